package dev.smelt.core.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.smelt.core.SmeltException;
import java.util.Set;

/**
 * config.json {@code rope_scaling} (or {@code rope_parameters}) for the scaled RoPE variants.
 * Absent or {@code rope_type: default} means plain RoPE and is represented by {@code null}.
 * Optional fields are null when the config does not set them.
 */
public record RopeScaling(
        String type,
        double factor,
        Double lowFreqFactor,
        Double highFreqFactor,
        Integer originalMaxPositionEmbeddings,
        Double betaFast,
        Double betaSlow,
        Double attentionFactor) {

    public static final Set<String> SUPPORTED = Set.of("linear", "llama3", "yarn");

    /** Parses the object; returns null for default RoPE. */
    public static RopeScaling parse(String file, JsonNode node) {
        if (node == null || node.isNull()) return null;
        if (!node.isObject()) throw new SmeltException(file + ": rope_scaling must be an object");
        JsonNode t = node.has("rope_type") ? node.get("rope_type") : node.get("type");
        String type = t == null ? "default" : t.asText();
        if (type.equals("default")) return null;
        if (!SUPPORTED.contains(type)) {
            throw new SmeltException(file + ": rope_scaling type \"" + type + "\" is not supported (supported: default, "
                    + String.join(", ", SUPPORTED.stream().sorted().toList()) + ")");
        }
        JsonNode f = node.get("factor");
        if (f == null || !f.isNumber()) throw new SmeltException(file + ": rope_scaling.factor must be a number");
        return new RopeScaling(type, f.asDouble(),
                dbl(node, "low_freq_factor"), dbl(node, "high_freq_factor"),
                node.has("original_max_position_embeddings") ? node.get("original_max_position_embeddings").asInt() : null,
                dbl(node, "beta_fast"), dbl(node, "beta_slow"), dbl(node, "attention_factor"));
    }

    private static Double dbl(JsonNode n, String key) {
        JsonNode v = n.get(key);
        return v == null || v.isNull() ? null : v.asDouble();
    }

    public ObjectNode toJson() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("rope_type", type);
        o.put("factor", factor);
        if (lowFreqFactor != null) o.put("low_freq_factor", lowFreqFactor);
        if (highFreqFactor != null) o.put("high_freq_factor", highFreqFactor);
        if (originalMaxPositionEmbeddings != null) o.put("original_max_position_embeddings", originalMaxPositionEmbeddings);
        if (betaFast != null) o.put("beta_fast", betaFast);
        if (betaSlow != null) o.put("beta_slow", betaSlow);
        if (attentionFactor != null) o.put("attention_factor", attentionFactor);
        return o;
    }
}
