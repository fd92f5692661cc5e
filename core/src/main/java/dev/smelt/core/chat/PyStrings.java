package dev.smelt.core.chat;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/** Python {@code str} methods with Python semantics, for templates that call them on strings. */
final class PyStrings {
    /** Returned by {@link #call} when the method is not a Python string method we support. */
    static final Object NOT_A_METHOD = new Object();

    private PyStrings() {}

    static Object call(String s, String method, Object[] args) {
        Object[] a = args == null ? new Object[0] : args;
        switch (method) {
            case "startswith": return affix(s, a, true);
            case "endswith": return affix(s, a, false);
            case "strip": return strip(s, chars(a, 0), true, true);
            case "lstrip": return strip(s, chars(a, 0), true, false);
            case "rstrip": return strip(s, chars(a, 0), false, true);
            case "split": return split(s, chars(a, 0), intArg(a, 1, -1));
            case "rsplit": return rsplit(s, chars(a, 0), intArg(a, 1, -1));
            case "splitlines": return s.lines().toList();
            case "upper": return s.toUpperCase(Locale.ROOT);
            case "lower": return s.toLowerCase(Locale.ROOT);
            case "title": return title(s);
            case "capitalize": return s.isEmpty() ? s
                    : s.substring(0, s.offsetByCodePoints(0, 1)).toUpperCase(Locale.ROOT)
                        + s.substring(s.offsetByCodePoints(0, 1)).toLowerCase(Locale.ROOT);
            case "replace": return replace(s, str(a, 0), str(a, 1), intArg(a, 2, -1));
            case "find": return (long) codePointIndex(s, s.indexOf(str(a, 0)));
            case "rfind": return (long) codePointIndex(s, s.lastIndexOf(str(a, 0)));
            case "count": return count(s, str(a, 0));
            case "join": return join(s, a.length > 0 ? a[0] : null);
            case "isdigit": return !s.isEmpty() && s.codePoints().allMatch(Character::isDigit);
            case "isalpha": return !s.isEmpty() && s.codePoints().allMatch(Character::isLetter);
            case "isalnum": return !s.isEmpty() && s.codePoints().allMatch(Character::isLetterOrDigit);
            case "isspace": return !s.isEmpty() && s.codePoints().allMatch(PyStrings::isSpace);
            case "islower": return s.chars().anyMatch(Character::isLetter) && s.equals(s.toLowerCase(Locale.ROOT));
            case "isupper": return s.chars().anyMatch(Character::isLetter) && s.equals(s.toUpperCase(Locale.ROOT));
            default: return NOT_A_METHOD;
        }
    }

    static boolean isSpace(int cp) {
        return Character.isWhitespace(cp) || Character.isSpaceChar(cp) || cp == 0x1c || cp == 0x1d || cp == 0x1e
                || cp == 0x1f || cp == 0x85;
    }

    /** {@code str.strip(chars)}: chars null strips whitespace. */
    static String strip(String s, String chars, boolean left, boolean right) {
        int b = 0;
        int e = s.length();
        if (left) {
            while (b < e) {
                int cp = s.codePointAt(b);
                if (!stripped(cp, chars)) break;
                b += Character.charCount(cp);
            }
        }
        if (right) {
            while (e > b) {
                int cp = s.codePointBefore(e);
                if (!stripped(cp, chars)) break;
                e -= Character.charCount(cp);
            }
        }
        return s.substring(b, e);
    }

    private static boolean stripped(int cp, String chars) {
        return chars == null ? isSpace(cp) : chars.indexOf(cp) >= 0;
    }

    static List<String> split(String s, String sep, long maxsplit) {
        List<String> out = new ArrayList<>();
        if (sep == null) {
            int i = 0;
            int n = s.length();
            while (true) {
                while (i < n && isSpace(s.codePointAt(i))) i += Character.charCount(s.codePointAt(i));
                if (i >= n) break;
                if (maxsplit >= 0 && out.size() == maxsplit) {
                    out.add(strip(s.substring(i), null, false, true));
                    break;
                }
                int j = i;
                while (j < n && !isSpace(s.codePointAt(j))) j += Character.charCount(s.codePointAt(j));
                out.add(s.substring(i, j));
                i = j;
            }
            return out;
        }
        if (sep.isEmpty()) throw new IllegalArgumentException("empty separator");
        int from = 0;
        while (maxsplit < 0 || out.size() < maxsplit) {
            int k = s.indexOf(sep, from);
            if (k < 0) break;
            out.add(s.substring(from, k));
            from = k + sep.length();
        }
        out.add(s.substring(from));
        return out;
    }

    static List<String> rsplit(String s, String sep, long maxsplit) {
        if (maxsplit < 0) return split(s, sep, -1);
        List<String> out = new ArrayList<>();
        if (sep == null) {
            String rest = strip(s, null, false, true);
            while (out.size() < maxsplit) {
                int j = rest.length();
                int i = j;
                while (i > 0 && !isSpace(rest.codePointBefore(i))) i -= Character.charCount(rest.codePointBefore(i));
                if (i == 0) break;
                out.add(0, rest.substring(i, j));
                rest = strip(rest.substring(0, i), null, false, true);
            }
            if (!rest.isEmpty()) out.add(0, rest);
            return out;
        }
        if (sep.isEmpty()) throw new IllegalArgumentException("empty separator");
        int to = s.length();
        while (out.size() < maxsplit) {
            int k = s.lastIndexOf(sep, to - sep.length());
            if (k < 0) break;
            out.add(0, s.substring(k + sep.length(), to));
            to = k;
        }
        out.add(0, s.substring(0, to));
        return out;
    }

    private static Object affix(String s, Object[] a, boolean prefix) {
        Object what = a.length > 0 ? a[0] : null;
        if (what instanceof Collection<?> options) {
            for (Object o : options) if (prefix ? s.startsWith(String.valueOf(o)) : s.endsWith(String.valueOf(o))) return true;
            return false;
        }
        String x = String.valueOf(what);
        return prefix ? s.startsWith(x) : s.endsWith(x);
    }

    private static String title(String s) {
        StringBuilder b = new StringBuilder(s.length());
        boolean prevCased = false;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            b.appendCodePoint(prevCased ? Character.toLowerCase(cp) : Character.toTitleCase(cp));
            prevCased = Character.isLetter(cp);
            i += Character.charCount(cp);
        }
        return b.toString();
    }

    private static String replace(String s, String old, String with, long count) {
        if (count < 0) return s.replace(old, with);
        StringBuilder b = new StringBuilder();
        int from = 0;
        for (long n = 0; n < count; n++) {
            int k = s.indexOf(old, from);
            if (k < 0) break;
            b.append(s, from, k).append(with);
            from = k + old.length();
            if (old.isEmpty()) {
                if (from >= s.length()) break;
                b.append(s.charAt(from));
                from++;
            }
        }
        return b.append(s.substring(from)).toString();
    }

    private static long count(String s, String sub) {
        if (sub.isEmpty()) return s.codePointCount(0, s.length()) + 1L;
        long n = 0;
        for (int k = s.indexOf(sub); k >= 0; k = s.indexOf(sub, k + sub.length())) n++;
        return n;
    }

    private static String join(String sep, Object items) {
        List<String> parts = new ArrayList<>();
        if (items instanceof Iterable<?> it) {
            for (Object o : it) parts.add(String.valueOf(o));
        } else if (items instanceof String str) {
            str.codePoints().forEach(cp -> parts.add(new String(Character.toChars(cp))));
        }
        return String.join(sep, parts);
    }

    private static int codePointIndex(String s, int charIndex) {
        return charIndex < 0 ? -1 : s.codePointCount(0, charIndex);
    }

    private static String chars(Object[] a, int i) {
        return a.length > i && a[i] != null ? String.valueOf(a[i]) : null;
    }

    private static String str(Object[] a, int i) {
        if (a.length <= i || a[i] == null) throw new IllegalArgumentException("missing argument " + (i + 1));
        return String.valueOf(a[i]);
    }

    private static long intArg(Object[] a, int i, long dflt) {
        return a.length > i && a[i] instanceof Number n ? n.longValue() : dflt;
    }
}
