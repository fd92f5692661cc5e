package dev.smelt.recipe.format;

import java.lang.reflect.Constructor;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Types a {@link Node} tree into records, as their {@link Doc}s say: unknown keys, missing required keys, wrong
 * types, out-of-range numbers and words outside {@code oneOf} are problems named by location and field path
 * ({@code recipes/x.yaml:7:8: train.lora.r must be a positive integer, got "sixteen"}). All problems are collected.
 */
final class Binder {
    final List<String> problems = new ArrayList<>();
    /** Where each bound field path was written, for checks made after binding. */
    final Map<String, Location> locations = new LinkedHashMap<>();

    /** YAML key of a record component. */
    static String key(RecordComponent c) {
        Doc d = c.getAnnotation(Doc.class);
        if (d != null && !d.key().isEmpty()) return d.key();
        return snake(c.getName());
    }

    static String snake(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
    }

    <T extends Record> T bindRecord(Class<T> type, Node node, String path) {
        locations.put(path, node.location());
        if (!(node instanceof Node.MapNode m)) {
            problems.add(node.location() + ": " + (path.isEmpty() ? "the recipe" : path) + " must be a mapping, got " + Node.show(node));
            return null;
        }
        RecordComponent[] comps = type.getRecordComponents();
        Map<String, RecordComponent> byKey = new LinkedHashMap<>();
        for (RecordComponent c : comps) byKey.put(key(c), c);
        for (Map.Entry<String, Node.Entry> e : m.entries().entrySet()) {
            if (!byKey.containsKey(e.getKey())) {
                problems.add(e.getValue().keyLocation() + ": " + join(path, e.getKey()) + ": unknown key (expected one of "
                        + String.join(", ", byKey.keySet()) + ")");
            }
        }
        Object[] args = new Object[comps.length];
        Class<?>[] types = new Class<?>[comps.length];
        for (int i = 0; i < comps.length; i++) {
            RecordComponent c = comps[i];
            types[i] = c.getType();
            String k = key(c);
            Node.Entry e = m.entries().get(k);
            Doc doc = c.getAnnotation(Doc.class);
            String p = join(path, k);
            if (e == null || (e.value() instanceof Node.Scalar s && s.kind() == Node.Kind.NULL)) {
                if (doc != null && doc.required()) problems.add(m.location() + ": " + p + " is required");
                continue;
            }
            args[i] = value(c.getGenericType(), doc, e.value(), p);
        }
        try {
            Constructor<T> ctor = type.getDeclaredConstructor(types);
            return ctor.newInstance(args);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(type + ": " + e, e);
        }
    }

    private static String join(String path, String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    @SuppressWarnings("unchecked")
    private Object value(Type type, Doc doc, Node node, String path) {
        locations.put(path, node.location());
        if (type instanceof ParameterizedType pt) {
            Class<?> raw = (Class<?>) pt.getRawType();
            Type arg = pt.getActualTypeArguments()[pt.getActualTypeArguments().length - 1];
            if (raw == List.class) {
                if (!(node instanceof Node.ListNode l)) {
                    // a single value where a list is expected is a list of one
                    if (node instanceof Node.Scalar) return List.of(value(arg, doc, node, path + "[0]"));
                    problems.add(node.location() + ": " + path + " must be a list, got " + Node.show(node));
                    return null;
                }
                List<Object> out = new ArrayList<>();
                for (int i = 0; i < l.items().size(); i++) out.add(value(arg, doc, l.items().get(i), path + "[" + i + "]"));
                return out;
            }
            if (raw == Map.class) {
                if (!(node instanceof Node.MapNode m)) {
                    problems.add(node.location() + ": " + path + " must be a mapping, got " + Node.show(node));
                    return null;
                }
                Map<String, Object> out = new LinkedHashMap<>();
                for (Map.Entry<String, Node.Entry> e : m.entries().entrySet()) {
                    out.put(e.getKey(), value(arg, doc, e.getValue().value(), join(path, e.getKey())));
                }
                return out;
            }
        }
        Class<?> c = (Class<?>) type;
        if (c.isRecord()) return bindRecord((Class<? extends Record>) c, node, path);
        if (!(node instanceof Node.Scalar s) || s.kind() == Node.Kind.NULL) {
            problems.add(node.location() + ": " + path + " must be " + expected(c, doc) + ", got " + Node.show(node));
            return null;
        }
        String text = s.text().trim();
        if (c == String.class) {
            if (doc != null && doc.oneOf().length > 0
                    && Arrays.stream(doc.oneOf()).noneMatch(w -> w.equalsIgnoreCase(text))) {
                problems.add(s.location() + ": " + path + " must be one of " + String.join(", ", doc.oneOf()) + ", got " + Node.show(s));
                return null;
            }
            return doc != null && doc.oneOf().length > 0 ? text.toLowerCase(Locale.ROOT) : s.text();
        }
        if (c == Boolean.class) {
            if (text.equalsIgnoreCase("true")) return true;
            if (text.equalsIgnoreCase("false")) return false;
            problems.add(s.location() + ": " + path + " must be true or false, got " + Node.show(s));
            return null;
        }
        BigDecimal number;
        try {
            number = new BigDecimal(text);
        } catch (NumberFormatException e) {
            problems.add(s.location() + ": " + path + " must be " + expected(c, doc) + ", got " + Node.show(s));
            return null;
        }
        boolean integral = c == Integer.class || c == Long.class;
        if (integral && number.stripTrailingZeros().scale() > 0) {
            problems.add(s.location() + ": " + path + " must be " + expected(c, doc) + ", got " + Node.show(s));
            return null;
        }
        double v = number.doubleValue();
        if (doc != null && (v < doc.min() || (doc.minExclusive() && v == doc.min()) || v > doc.max())) {
            problems.add(s.location() + ": " + path + " must be " + expected(c, doc) + ", got " + Node.show(s));
            return null;
        }
        try {
            if (c == Integer.class) return number.intValueExact();
            if (c == Long.class) return number.longValueExact();
        } catch (ArithmeticException e) {
            problems.add(s.location() + ": " + path + " must be " + expected(c, doc) + ", got " + Node.show(s) + " (too large)");
            return null;
        }
        return v;
    }

    /** "a positive integer", "a number from 0 to 1", ... */
    static String expected(Class<?> c, Doc doc) {
        if (c == String.class) return "a string";
        if (c == Boolean.class) return "true or false";
        if (c.isRecord()) return "a mapping";
        boolean integral = c == Integer.class || c == Long.class;
        String kind = integral ? "integer" : "number";
        if (doc == null) return (integral ? "an " : "a ") + kind;
        boolean hasMin = doc.min() != Double.NEGATIVE_INFINITY;
        boolean hasMax = doc.max() != Double.POSITIVE_INFINITY;
        if (hasMin && doc.min() == 0 && doc.minExclusive() && !hasMax) return "a positive " + kind;
        if (hasMin && doc.min() == 0 && !doc.minExclusive() && !hasMax) return "a non-negative " + kind;
        String a = integral ? "an " : "a ";
        if (hasMin && hasMax) return a + kind + " from " + num(doc.min()) + " to " + num(doc.max());
        if (hasMin) return a + kind + (doc.minExclusive() ? " above " : " of at least ") + num(doc.min());
        if (hasMax) return "a " + kind + " of at most " + num(doc.max());
        return (integral ? "an " : "a ") + kind;
    }

    private static String num(double d) {
        return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
    }

    static String words(String[] oneOf) {
        return Arrays.stream(oneOf).collect(Collectors.joining(", "));
    }
}
