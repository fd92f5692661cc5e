package dev.smelt.bundle.manifest;

import dev.smelt.core.SmeltException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code SHA256SUMS}: one {@code <hex>  <path>} line per file, as {@code sha256sum} writes and checks it. */
public final class Checksums {
    public static final String FILE = "SHA256SUMS";
    private static final Pattern LINE = Pattern.compile("([0-9a-f]{64}) [ *](.+)");

    private Checksums() {}

    public static String format(List<FileRecord> files) {
        StringBuilder b = new StringBuilder();
        for (FileRecord f : files) b.append(f.sha256()).append("  ").append(f.path()).append('\n');
        return b.toString();
    }

    /** Path → hash, in file order; a malformed or repeated line is an error naming its line number. */
    public static Map<String, String> parse(String text) {
        Map<String, String> out = new LinkedHashMap<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (line.isEmpty() && i == lines.length - 1) break;
            Matcher m = LINE.matcher(line);
            if (!m.matches()) {
                throw new SmeltException(FILE + " line " + (i + 1) + ": expected '<64 hex digits>  <path>'");
            }
            if (out.put(m.group(2), m.group(1)) != null) {
                throw new SmeltException(FILE + " line " + (i + 1) + ": " + m.group(2) + " listed twice");
            }
        }
        return out;
    }
}
