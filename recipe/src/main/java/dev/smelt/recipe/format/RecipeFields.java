package dev.smelt.recipe.format;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The recipe's field paths ({@code train.optimizer.lr}, {@code vars.NAME}), as {@code --set} and a sweep grid name
 * them: whether a path names a field, and which field was probably meant when it does not.
 */
public final class RecipeFields {
    private RecipeFields() {}

    /** Null when {@code path} names a recipe field (or a value under {@code vars}); otherwise what is wrong, one line. */
    public static String problem(String path) {
        if (path.isBlank()) return "empty field path";
        String[] keys = path.split("\\.", -1);
        Class<?> type = Recipe.class;
        String at = "";
        for (int i = 0; i < keys.length; i++) {
            String k = keys[i];
            if (k.isEmpty()) return "empty segment in field path " + path;
            RecordComponent c = component(type, k);
            if (c == null) {
                List<String> keysHere = Arrays.stream(type.getRecordComponents()).map(Binder::key).toList();
                String hint = suggestion(path);
                return "no such recipe field " + path + " (" + (at.isEmpty() ? "top-level keys" : at + " has") + " "
                        + String.join(", ", keysHere) + (hint == null ? "" : "; did you mean " + hint + "?") + ")";
            }
            at = at.isEmpty() ? k : at + "." + k;
            if (c.getGenericType() instanceof ParameterizedType pt && pt.getRawType() == Map.class) {
                // vars.NAME: one free key below a mapping of values
                if (i == keys.length - 1 || i == keys.length - 2) return null;
                return "no such recipe field " + path + " (" + at + " holds NAME: value pairs)";
            }
            if (c.getType().isRecord()) {
                type = c.getType();
                continue;
            }
            if (i < keys.length - 1) return "no such recipe field " + path + " (" + at + " is a value, not a mapping)";
        }
        return null;
    }

    /** Every leaf field path, in declaration order ({@code vars} as {@code vars.NAME}). */
    public static List<String> leaves() {
        List<String> out = new ArrayList<>();
        leaves(Recipe.class, "", out);
        return out;
    }

    private static void leaves(Class<?> type, String prefix, List<String> out) {
        for (RecordComponent c : type.getRecordComponents()) {
            String p = prefix + Binder.key(c);
            if (c.getGenericType() instanceof ParameterizedType pt && pt.getRawType() == Map.class) {
                out.add(p + ".NAME");
            } else if (c.getType().isRecord()) {
                leaves(c.getType(), p + ".", out);
            } else {
                out.add(p);
            }
        }
    }

    /** The leaf fields whose last key is {@code path}'s last key, e.g. train.lr -> train.optimizer.lr. */
    private static String suggestion(String path) {
        String last = path.substring(path.lastIndexOf('.') + 1);
        List<String> same = leaves().stream().filter(l -> l.endsWith("." + last) || l.equals(last)).toList();
        return same.isEmpty() ? null : String.join(" or ", same);
    }

    private static RecordComponent component(Class<?> type, String key) {
        for (RecordComponent c : type.getRecordComponents()) if (Binder.key(c).equals(key)) return c;
        return null;
    }
}
