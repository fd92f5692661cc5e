package dev.smelt.hub;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Include / exclude glob patterns with huggingface_hub's {@code allow_patterns} / {@code ignore_patterns}
 * meaning: Python {@code fnmatch} semantics, where {@code *} also matches '/', and a pattern ending in '/'
 * matches everything under that folder. A file is kept if it matches some include (or there are none) and
 * no exclude.
 */
public record PathFilter(List<String> includes, List<String> excludes) {
    public static final PathFilter ALL = new PathFilter(List.of(), List.of());

    public PathFilter {
        includes = List.copyOf(includes);
        excludes = List.copyOf(excludes);
    }

    public boolean accepts(String path) {
        if (!includes.isEmpty() && includes.stream().noneMatch(p -> matches(p, path))) return false;
        return excludes.stream().noneMatch(p -> matches(p, path));
    }

    static boolean matches(String pattern, String path) {
        String p = pattern.endsWith("/") ? pattern + "*" : pattern;
        return toRegex(p).matcher(path).matches();
    }

    /** Translates an fnmatch pattern: '*' any run, '?' one char, '[...]' / '[!...]' a class. */
    static Pattern toRegex(String glob) {
        StringBuilder re = new StringBuilder();
        int i = 0;
        int n = glob.length();
        while (i < n) {
            char c = glob.charAt(i++);
            if (c == '*') {
                re.append(".*");
            } else if (c == '?') {
                re.append('.');
            } else if (c == '[') {
                int j = i;
                if (j < n && glob.charAt(j) == '!') j++;
                if (j < n && glob.charAt(j) == ']') j++;
                while (j < n && glob.charAt(j) != ']') j++;
                if (j >= n) {
                    re.append("\\[");
                } else {
                    String body = glob.substring(i, j);
                    i = j + 1;
                    StringBuilder cls = new StringBuilder("[");
                    int k = 0;
                    if (body.startsWith("!")) {
                        cls.append('^');
                        k = 1;
                    }
                    for (; k < body.length(); k++) {
                        char b = body.charAt(k);
                        if (b == '\\' || b == '[' || b == ']' || b == '^' || b == '&') cls.append('\\');
                        cls.append(b);
                    }
                    re.append(cls).append(']');
                }
            } else {
                re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(re.toString(), Pattern.DOTALL);
    }
}
