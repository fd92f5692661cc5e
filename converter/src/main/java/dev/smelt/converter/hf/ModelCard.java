package dev.smelt.converter.hf;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The two model-card facts GGUF metadata records ({@code license}, {@code base_model}), read from the YAML
 * front matter of a model directory's README.md. Only the simple forms the Hub writes are understood
 * ({@code key: value} and {@code key:} followed by {@code - item} lines); anything else reads as absent.
 */
public record ModelCard(String license, List<String> baseModels) {

    public static ModelCard read(Path readme) {
        if (!Files.isRegularFile(readme)) return new ModelCard(null, List.of());
        List<String> lines;
        try {
            lines = Files.readAllLines(readme);
        } catch (IOException e) {
            return new ModelCard(null, List.of());
        }
        if (lines.isEmpty() || !lines.get(0).strip().equals("---")) return new ModelCard(null, List.of());
        String license = null;
        List<String> bases = new ArrayList<>();
        String listKey = null;
        for (int i = 1; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.strip().equals("---")) break;
            if (listKey != null && line.strip().startsWith("- ")) {
                if (listKey.equals("base_model")) bases.add(unquote(line.strip().substring(2)));
                continue;
            }
            listKey = null;
            int colon = line.indexOf(':');
            if (colon <= 0 || Character.isWhitespace(line.charAt(0))) continue;
            String key = line.substring(0, colon).strip();
            String value = unquote(line.substring(colon + 1).strip());
            if (value.isEmpty()) {
                listKey = key;
            } else if (key.equals("license")) {
                license = value;
            } else if (key.equals("base_model")) {
                if (value.startsWith("[") && value.endsWith("]")) {
                    for (String s : value.substring(1, value.length() - 1).split(",")) {
                        if (!unquote(s.strip()).isEmpty()) bases.add(unquote(s.strip()));
                    }
                } else {
                    bases.add(value);
                }
            }
        }
        return new ModelCard(license, List.copyOf(bases));
    }

    private static String unquote(String s) {
        if (s.length() >= 2 && (s.startsWith("\"") && s.endsWith("\"") || s.startsWith("'") && s.endsWith("'"))) {
            return s.substring(1, s.length() - 1);
        }
        return s;
    }
}
