package dev.smelt.bundle.manifest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.smelt.core.SmeltException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code MANIFEST.json}: who the bundle is and every other file in it (not itself, not {@code SHA256SUMS}).
 * Field order is fixed, so the same bundle always serialises to the same bytes.
 */
public record Manifest(String name, String version, String license, String smeltVersion, Instant mtime,
        List<FileRecord> files) {
    public static final String FILE = "MANIFEST.json";
    public static final String FORMAT = "smelt-bundle/1";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public Manifest {
        files = List.copyOf(files);
    }

    public String toJson() {
        ObjectNode o = JSON.createObjectNode();
        o.put("format", FORMAT);
        o.put("name", name);
        o.put("version", version);
        o.put("license", license);
        o.put("smelt_version", smeltVersion);
        o.put("mtime", mtime.toString());
        ArrayNode arr = o.putArray("files");
        for (FileRecord f : files) {
            ObjectNode e = arr.addObject();
            e.put("path", f.path());
            e.put("size", f.size());
            e.put("sha256", f.sha256());
        }
        try {
            return JSON.writeValueAsString(o) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Manifest parse(String json) {
        JsonNode o;
        try {
            o = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new SmeltException(FILE + ": not valid JSON (" + e.getOriginalMessage() + ")");
        }
        if (o == null || !o.isObject()) throw new SmeltException(FILE + ": expected a JSON object");
        if (!FORMAT.equals(o.path("format").asText())) {
            throw new SmeltException(FILE + ": field 'format' must be \"" + FORMAT + "\"");
        }
        List<FileRecord> files = new ArrayList<>();
        JsonNode arr = o.path("files");
        if (!arr.isArray()) throw new SmeltException(FILE + ": field 'files' must be an array");
        for (int i = 0; i < arr.size(); i++) {
            JsonNode f = arr.get(i);
            if (!f.path("path").isTextual() || !f.path("size").canConvertToLong() || !f.path("sha256").isTextual()) {
                throw new SmeltException(FILE + ": files[" + i + "] needs path, size and sha256");
            }
            files.add(new FileRecord(f.get("path").asText(), f.get("size").asLong(), f.get("sha256").asText()));
        }
        Instant mtime;
        try {
            mtime = Instant.parse(text(o, "mtime"));
        } catch (java.time.format.DateTimeParseException e) {
            throw new SmeltException(FILE + ": field 'mtime' must be an ISO-8601 instant");
        }
        return new Manifest(text(o, "name"), text(o, "version"), text(o, "license"), text(o, "smelt_version"), mtime, files);
    }

    private static String text(JsonNode o, String field) {
        JsonNode v = o.get(field);
        if (v == null || !v.isTextual()) throw new SmeltException(FILE + ": field '" + field + "' must be a string");
        return v.asText();
    }
}
