package dev.smelt.recipe.sweep;

import dev.smelt.core.SmeltException;
import dev.smelt.recipe.format.Node;
import dev.smelt.recipe.format.RecipeException;
import dev.smelt.recipe.format.RecipeFields;
import dev.smelt.recipe.format.YamlTree;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A customers file: one fine-tune of the same recipe per customer, trial i being the i-th entry.
 * <pre>
 * customers:
 *   - name: acme                      # [A-Za-z0-9][A-Za-z0-9._-]*, unique; the release is RECIPE-acme
 *     set:                            # --set overrides for this customer
 *       vars.data: hf://datasets/acme/tickets@3f1c2e0/train.jsonl
 *       push.repo: acme/support-lora
 * </pre>
 * Problems name the file, line and column.
 */
public final class Customers {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");
    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9_./@+-]+");

    private Customers() {}

    public static List<Trial> read(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new SmeltException(file + ": no such customers file");
        } catch (IOException e) {
            throw new SmeltException(file + ": " + e.getMessage());
        }
        return parse(text, file.toString());
    }

    /** {@code text} as the content of the customers file named {@code source}. */
    public static List<Trial> parse(String text, String source) {
        Node root = YamlTree.parse(text, source);
        List<String> problems = new ArrayList<>();
        Node.Entry list = root instanceof Node.MapNode m ? m.entries().get("customers") : null;
        if (list == null || !(list.value() instanceof Node.ListNode l)) {
            throw new RecipeException(List.of(root.location() + ": expected customers: followed by a list of {name, set}"));
        }
        if (root instanceof Node.MapNode m && m.entries().size() > 1) {
            for (Map.Entry<String, Node.Entry> e : m.entries().entrySet()) {
                if (!e.getKey().equals("customers")) problems.add(e.getValue().keyLocation() + ": " + e.getKey() + ": unknown key (expected customers)");
            }
        }
        List<Trial> out = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < l.items().size(); i++) {
            Node item = l.items().get(i);
            String at = "customers[" + i + "]";
            if (!(item instanceof Node.MapNode c)) {
                problems.add(item.location() + ": " + at + " must be a mapping with name and set, got " + Node.show(item));
                continue;
            }
            for (Map.Entry<String, Node.Entry> e : c.entries().entrySet()) {
                if (!e.getKey().equals("name") && !e.getKey().equals("set")) {
                    problems.add(e.getValue().keyLocation() + ": " + at + "." + e.getKey() + ": unknown key (expected name, set)");
                }
            }
            Node.Entry n = c.entries().get("name");
            String name = null;
            if (n == null) {
                problems.add(c.location() + ": " + at + ".name is required");
            } else if (!(n.value() instanceof Node.Scalar s) || s.text() == null || !NAME.matcher(s.text()).matches()) {
                problems.add(n.value().location() + ": " + at + ".name must be letters, digits, '.', '_' or '-' (at most 63), got "
                        + Node.show(n.value()));
            } else if (!names.add(s.text())) {
                problems.add(n.value().location() + ": " + at + ".name " + s.text() + " is given twice");
            } else {
                name = s.text();
            }
            List<String> sets = new ArrayList<>();
            Node.Entry set = c.entries().get("set");
            if (set != null && !(set.value() instanceof Node.MapNode)) {
                problems.add(set.value().location() + ": " + at + ".set must be a mapping of recipe fields to values, got " + Node.show(set.value()));
            } else if (set != null) {
                for (Map.Entry<String, Node.Entry> e : ((Node.MapNode) set.value()).entries().entrySet()) {
                    String key = e.getKey();
                    String problem = key.equals("name") || key.startsWith("sweep") ? "a customer cannot set " + key : RecipeFields.problem(key);
                    if (problem != null) {
                        problems.add(e.getValue().keyLocation() + ": " + at + ".set." + key + ": " + problem);
                        continue;
                    }
                    String v = yaml(e.getValue().value());
                    if (v == null) {
                        problems.add(e.getValue().value().location() + ": " + at + ".set." + key + " must be a value or a list of values");
                        continue;
                    }
                    sets.add(key + "=" + v);
                }
            }
            if (name != null) out.add(new Trial(i, name, sets));
        }
        if (l.items().isEmpty()) problems.add(list.value().location() + ": customers must list at least one customer");
        if (!problems.isEmpty()) throw new RecipeException(problems);
        return out;
    }

    /** A value as --set text that reads back as the same YAML value (strings quoted where YAML would read them otherwise). */
    private static String yaml(Node n) {
        if (n instanceof Node.Scalar s) {
            if (s.kind() == Node.Kind.NULL) return "";
            if (s.kind() != Node.Kind.STRING) return s.text();
            boolean plain = PLAIN.matcher(s.text()).matches() && !s.text().matches("(?i)[-+.0-9].*|true|false|yes|no|on|off|null|~");
            return plain ? s.text() : quote(s.text());
        }
        if (n instanceof Node.ListNode l) {
            List<String> items = new ArrayList<>();
            for (Node i : l.items()) {
                if (!(i instanceof Node.Scalar)) return null;
                String v = yaml(i);
                items.add(v.isEmpty() ? "null" : v);
            }
            return "[" + String.join(", ", items) + "]";
        }
        return null;
    }

    private static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') b.append('\\').append(c);
            else if (c == '\n') b.append("\\n");
            else if (c == '\t') b.append("\\t");
            else if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
            else b.append(c);
        }
        return b.append('"').toString();
    }
}
