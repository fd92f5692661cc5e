package dev.smelt.datasets.source;

/** Glob helpers: a path is a glob when it holds any of {@code * ? [ {}}. */
final class Globs {
    private Globs() {}

    static boolean hasGlob(String path) {
        return firstWildcard(path) >= 0;
    }

    /** The directory part of a glob before its first wildcard: where the search starts ("" = current directory). */
    static String fixedPrefix(String glob) {
        int wildcard = firstWildcard(glob);
        int slash = glob.lastIndexOf('/', wildcard < 0 ? glob.length() - 1 : wildcard);
        if (slash < 0) return "";
        if (slash == 0) return "/";
        return glob.substring(0, slash);
    }

    private static int firstWildcard(String path) {
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c == '*' || c == '?' || c == '[' || c == '{') return i;
        }
        return -1;
    }
}
