package dev.smelt.bundle.license;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.smelt.core.SmeltException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The YAML front matter of a Hugging Face card (README.md between the leading {@code ---} lines). */
public record FrontMatter(JsonNode yaml) {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    public static FrontMatter read(Path readme) {
        if (!Files.isRegularFile(readme)) return new FrontMatter(MissingNode.getInstance());
        String text;
        try {
            text = Files.readString(readme);
        } catch (IOException e) {
            throw new SmeltException(readme + ": cannot read (" + e.getMessage() + ")");
        }
        return parse(readme.toString(), text);
    }

    static FrontMatter parse(String where, String text) {
        String t = text.replace("\r\n", "\n");
        if (!t.startsWith("---\n")) return new FrontMatter(MissingNode.getInstance());
        int end = t.indexOf("\n---", 3);
        if (end < 0) throw new SmeltException(where + ": front matter opened with --- but never closed");
        try {
            JsonNode node = YAML.readTree(t.substring(4, end + 1));
            return new FrontMatter(node == null ? MissingNode.getInstance() : node);
        } catch (IOException e) {
            throw new SmeltException(where + ": front matter is not valid YAML (" + e.getMessage().lines().findFirst().orElse("") + ")");
        }
    }

    public String string(String key) {
        JsonNode v = yaml.path(key);
        return v.isValueNode() && !v.asText().isBlank() ? v.asText().strip() : null;
    }

    /** A key that may be a single string or a list of strings. */
    public List<String> strings(String key) {
        JsonNode v = yaml.path(key);
        List<String> out = new ArrayList<>();
        if (v.isArray()) v.forEach(e -> { if (e.isValueNode() && !e.asText().isBlank()) out.add(e.asText().strip()); });
        else if (v.isValueNode() && !v.asText().isBlank()) out.add(v.asText().strip());
        return out;
    }
}
