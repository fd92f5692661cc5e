package dev.smelt.bundle.archive;

import dev.smelt.core.SmeltException;

/** The one rule for entry names, used when writing and when extracting: relative, {@code /}-separated, no {@code ..}. */
public final class EntryPaths {
    private EntryPaths() {}

    /** Returns why {@code name} may not be extracted, or null when it is a safe relative path. */
    public static String problem(String name) {
        if (name == null || name.isEmpty()) return "empty name";
        if (name.indexOf('\0') >= 0) return "NUL in the name";
        if (name.startsWith("/") || name.startsWith("\\")) return "absolute path";
        if (name.length() >= 2 && name.charAt(1) == ':' && Character.isLetter(name.charAt(0))) return "absolute path";
        if (name.indexOf('\\') >= 0) return "backslash in the name";
        String trimmed = name.endsWith("/") ? name.substring(0, name.length() - 1) : name;
        for (String part : trimmed.split("/", -1)) {
            if (part.equals("..")) return "'..' in the path";
            if (part.isEmpty() || part.equals(".")) return "empty or '.' path component";
        }
        return null;
    }

    static void requireSafe(String name) {
        String p = problem(name);
        if (p != null) throw new SmeltException("archive entry \"" + name + "\": " + p);
    }
}
