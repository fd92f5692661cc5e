package dev.smelt.hub.internal;

import dev.smelt.core.SmeltException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * Checks and encodes file paths inside a repository. A path that comes from the server is used to build
 * local file names, so anything that could escape the target folder is refused outright.
 */
public final class RepoPaths {
    private RepoPaths() {}

    /**
     * Returns {@code path} if it is a safe relative repository path: '/'-separated, no empty, "." or ".."
     * segment, not absolute, no backslash, no NUL or other control character.
     */
    public static String requireSafe(String path, String where) {
        String problem = problem(path);
        if (problem != null) {
            throw new SmeltException("refusing file name '" + printable(path) + "' from " + where + ": " + problem);
        }
        return path;
    }

    public static boolean isSafe(String path) {
        return problem(path) == null;
    }

    private static String problem(String path) {
        if (path == null || path.isEmpty()) return "empty path";
        if (path.startsWith("/")) return "absolute path";
        if (path.indexOf('\\') >= 0) return "contains a backslash";
        if (path.length() >= 2 && path.charAt(1) == ':') return "looks like a drive-letter path";
        for (int i = 0; i < path.length(); i++) {
            if (path.charAt(i) < 0x20 || path.charAt(i) == 0x7f) return "contains a control character";
        }
        for (String seg : path.split("/", -1)) {
            if (seg.isEmpty()) return "empty path segment";
            if (seg.equals("..")) return "contains '..'";
            if (seg.equals(".")) return "contains '.' segment";
        }
        return null;
    }

    /** Percent-encodes a repository path for a URL, keeping '/' (Python's {@code quote(path)}). */
    public static String encodePath(String path) {
        StringBuilder sb = new StringBuilder();
        for (String seg : path.split("/", -1)) {
            if (sb.length() > 0) sb.append('/');
            sb.append(encodeSegment(seg));
        }
        return sb.toString();
    }

    /** Percent-encodes one URL segment, '/' included (Python's {@code quote(s, safe="")}). */
    public static String encodeSegment(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20").replace("*", "%2A").replace("%7E", "~");
    }

    private static String printable(String s) {
        if (s == null) return "null";
        StringBuilder sb = new StringBuilder();
        for (char c : s.toCharArray()) {
            if (c < 0x20 || c == 0x7f) sb.append(String.format("\\x%02x", (int) c));
            else sb.append(c);
        }
        return sb.toString();
    }
}
