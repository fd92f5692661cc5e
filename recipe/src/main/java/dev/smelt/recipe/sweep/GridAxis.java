package dev.smelt.recipe.sweep;

import dev.smelt.core.SmeltException;
import dev.smelt.recipe.format.RecipeFields;
import java.util.ArrayList;
import java.util.List;

/**
 * One key of a grid and its values, from {@code --grid KEY=V1,V2,...} (commas inside {@code [...]} or {@code {...}}
 * belong to one value, so {@code export.gguf.types=[Q8_0,Q4_K_M],[Q4_0]} has two values) or from the recipe's
 * {@code sweep.grid}. Each value is read as YAML, like a {@code --set} value.
 */
public record GridAxis(String key, List<String> values) {
    public GridAxis {
        values = List.copyOf(values);
    }

    /** Parses {@code KEY=V1,V2}; the key must name a recipe field (one-line error naming it otherwise). */
    public static GridAxis parse(String arg) {
        int eq = arg.indexOf('=');
        if (eq <= 0) throw new SmeltException("--grid " + arg + ": expected KEY=V1,V2,... e.g. train.optimizer.lr=1e-4,2e-4");
        String key = arg.substring(0, eq).trim();
        check("--grid " + key, key);
        List<String> values = split(arg.substring(eq + 1));
        if (values.isEmpty() || values.stream().anyMatch(String::isBlank)) {
            throw new SmeltException("--grid " + key + ": every value must be non-empty, got \"" + arg.substring(eq + 1) + "\"");
        }
        return new GridAxis(key, values);
    }

    /** A key's problem as one line: {@code --grid train.lr: no such recipe field ...}. */
    static void check(String where, String key) {
        if (key.equals("name") || key.startsWith("sweep")) {
            throw new SmeltException(where + ": a sweep cannot vary " + key + " (each trial is named RECIPE-TRIAL)");
        }
        String problem = RecipeFields.problem(key);
        if (problem != null) throw new SmeltException(where + ": " + problem);
    }

    static List<String> split(String text) {
        List<String> out = new ArrayList<>();
        int depth = 0;
        StringBuilder cur = new StringBuilder();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '[' || c == '{') depth++;
            if (c == ']' || c == '}') depth--;
            if (c == ',' && depth == 0) {
                out.add(cur.toString().trim());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        out.add(cur.toString().trim());
        return out;
    }

    /** The last key of the path, for trial names: {@code train.optimizer.lr} -> {@code lr}. */
    String shortKey() {
        return key.substring(key.lastIndexOf('.') + 1);
    }
}
