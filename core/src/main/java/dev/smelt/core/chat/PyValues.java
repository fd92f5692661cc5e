package dev.smelt.core.chat;

import java.lang.reflect.Array;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Python value semantics the templates rely on: iteration, slicing, {@code str()} and {@code json.dumps}. */
final class PyValues {
    private PyValues() {}

    /** The items a Python {@code for} loop visits: a map's keys, a string's characters. */
    static List<Object> iterate(Object value) {
        List<Object> out = new ArrayList<>();
        if (value == null) return out;
        if (value instanceof Map<?, ?> m) {
            out.addAll(m.keySet());
        } else if (value instanceof CharSequence s) {
            s.toString().codePoints().forEach(cp -> out.add(new String(Character.toChars(cp))));
        } else if (value instanceof Iterable<?> it) {
            for (Object o : it) out.add(o);
        } else if (value instanceof Iterator<?> it) {
            it.forEachRemaining(out::add);
        } else if (value instanceof Object[] arr) {
            out.addAll(Arrays.asList(arr));
        } else if (value.getClass().isArray()) {
            int n = Array.getLength(value);
            for (int i = 0; i < n; i++) out.add(Array.get(value, i));
        } else {
            out.add(value); // Jinjava iterates a scalar once
        }
        return out;
    }

    /** {@code value[start:stop:step]} for strings and sequences. */
    static Object slice(Object value, Number start, Number stop, Number step) {
        boolean isString = value instanceof CharSequence;
        List<Object> items = iterate(value);
        int len = items.size();
        long st = step == null ? 1 : step.longValue();
        if (st == 0) throw new IllegalArgumentException("slice step cannot be zero");
        long lower = st < 0 ? -1 : 0;
        long upper = st < 0 ? len - 1 : len;
        long a = start == null ? (st < 0 ? upper : lower) : clampIndex(start.longValue(), len, lower, upper);
        long b = stop == null ? (st < 0 ? lower : upper) : clampIndex(stop.longValue(), len, lower, upper);
        List<Object> out = new ArrayList<>();
        for (long i = a; st > 0 ? i < b : i > b; i += st) out.add(items.get((int) i));
        if (!isString) return out;
        StringBuilder sb = new StringBuilder();
        for (Object o : out) sb.append(o);
        return sb.toString();
    }

    private static long clampIndex(long i, int len, long lower, long upper) {
        if (i < 0) i += len;
        return Math.max(lower, Math.min(upper, i));
    }

    /** Python {@code str(value)}. */
    static String str(Object v) {
        if (v instanceof CharSequence s) return s.toString();
        return repr(v);
    }

    /** Python {@code repr(value)} for the JSON-like values templates see. */
    static String repr(Object v) {
        if (v == null) return "None";
        if (v instanceof Boolean b) return b ? "True" : "False";
        if (v instanceof Double || v instanceof Float) return floatRepr(((Number) v).doubleValue());
        if (v instanceof BigDecimal d) return floatRepr(d.doubleValue());
        if (v instanceof Number n) return n.toString();
        if (v instanceof CharSequence s) return stringRepr(s.toString());
        if (v instanceof Map<?, ?> m) {
            StringBuilder b = new StringBuilder("{");
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!first) b.append(", ");
                first = false;
                b.append(repr(e.getKey())).append(": ").append(repr(e.getValue()));
            }
            return b.append('}').toString();
        }
        if (v instanceof Iterable<?> || v instanceof Object[]) {
            StringBuilder b = new StringBuilder("[");
            boolean first = true;
            for (Object o : iterate(v)) {
                if (!first) b.append(", ");
                first = false;
                b.append(repr(o));
            }
            return b.append(']').toString();
        }
        return String.valueOf(v);
    }

    private static String stringRepr(String s) {
        char q = s.contains("'") && !s.contains("\"") ? '"' : '\'';
        StringBuilder b = new StringBuilder().append(q);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c == q) b.append('\\').append(c);
                    else if (c < 0x20 || c == 0x7f) b.append(String.format("\\x%02x", (int) c));
                    else b.append(c);
                }
            }
        }
        return b.append(q).toString();
    }

    /** Python's shortest round-trip float repr: 1.0, 0.1, 1e-05, 1e+16, inf, nan. */
    static String floatRepr(double d) {
        if (Double.isNaN(d)) return "nan";
        if (Double.isInfinite(d)) return d > 0 ? "inf" : "-inf";
        if (d == 0) return (1 / d < 0) ? "-0.0" : "0.0";
        BigDecimal bd = new BigDecimal(Double.toString(d)).stripTrailingZeros();
        String digits = bd.unscaledValue().abs().toString();
        int exp10 = digits.length() - 1 - bd.scale(); // value = d.ddd × 10^exp10
        String sign = d < 0 ? "-" : "";
        if (exp10 < -4 || exp10 >= 16) {
            String mant = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
            return sign + mant + "e" + (exp10 < 0 ? "-" : "+") + String.format("%02d", Math.abs(exp10));
        }
        String plain = bd.abs().toPlainString();
        if (!plain.contains(".")) plain += ".0";
        return sign + plain;
    }

    /** Python {@code json.dumps(v, ensure_ascii, indent, sort_keys)} with its default separators. */
    static String toJson(Object v, boolean ensureAscii, Integer indent, boolean sortKeys) {
        StringBuilder b = new StringBuilder();
        writeJson(b, v, ensureAscii, indent, sortKeys, 0);
        return b.toString();
    }

    private static void writeJson(StringBuilder b, Object v, boolean ascii, Integer indent, boolean sort, int level) {
        if (v == null) {
            b.append("null");
        } else if (v instanceof Boolean bool) {
            b.append(bool ? "true" : "false");
        } else if (v instanceof Double || v instanceof Float || v instanceof BigDecimal) {
            double d = ((Number) v).doubleValue();
            b.append(Double.isNaN(d) ? "NaN" : Double.isInfinite(d) ? (d > 0 ? "Infinity" : "-Infinity") : floatRepr(d));
        } else if (v instanceof Number n) {
            b.append(n);
        } else if (v instanceof CharSequence s) {
            jsonString(b, s.toString(), ascii);
        } else if (v instanceof Map<?, ?> m) {
            if (m.isEmpty()) {
                b.append("{}");
                return;
            }
            Map<?, ?> entries = m;
            if (sort) {
                TreeMap<String, Object> sorted = new TreeMap<>();
                m.forEach((k, val) -> sorted.put(String.valueOf(k), val));
                entries = sorted;
            }
            b.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : entries.entrySet()) {
                if (!first) b.append(indent == null ? ", " : ",");
                first = false;
                newline(b, indent, level + 1);
                jsonString(b, String.valueOf(e.getKey()), ascii);
                b.append(": ");
                writeJson(b, e.getValue(), ascii, indent, sort, level + 1);
            }
            newline(b, indent, level);
            b.append('}');
        } else if (v instanceof Iterable<?> || v instanceof Object[]) {
            List<Object> items = iterate(v);
            if (items.isEmpty()) {
                b.append("[]");
                return;
            }
            b.append('[');
            boolean first = true;
            for (Object o : items) {
                if (!first) b.append(indent == null ? ", " : ",");
                first = false;
                newline(b, indent, level + 1);
                writeJson(b, o, ascii, indent, sort, level + 1);
            }
            newline(b, indent, level);
            b.append(']');
        } else {
            jsonString(b, String.valueOf(v), ascii);
        }
    }

    private static void newline(StringBuilder b, Integer indent, int level) {
        if (indent == null) return;
        b.append('\n');
        b.append(" ".repeat(indent * level));
    }

    private static void jsonString(StringBuilder b, String s, boolean ascii) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                case '\b' -> b.append("\\b");
                case '\f' -> b.append("\\f");
                default -> {
                    if (c < 0x20 || (ascii && c > 0x7e)) b.append(String.format("\\u%04x", (int) c));
                    else b.append(c);
                }
            }
        }
        b.append('"');
    }
}
