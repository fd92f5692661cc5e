package dev.smelt.core.model;

import com.fasterxml.jackson.databind.JsonNode;
import dev.smelt.core.SmeltException;
import java.util.ArrayList;
import java.util.List;

/** Typed reads of config.json fields with errors that name the file and the field. */
final class ConfigFields {
    private final String file;
    private final JsonNode node;
    private final String prefix;

    ConfigFields(String file, JsonNode node, String prefix) {
        this.file = file;
        this.node = node;
        this.prefix = prefix;
    }

    boolean has(String key) {
        JsonNode v = node.get(key);
        return v != null && !v.isNull();
    }

    JsonNode get(String key) {
        return node.get(key);
    }

    int requireInt(String key) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) throw new SmeltException(file + ": missing field \"" + prefix + key + "\"");
        if (!v.isIntegralNumber() || v.asLong() <= 0 || v.asLong() > Integer.MAX_VALUE) {
            throw new SmeltException(file + ": field \"" + prefix + key + "\" must be a positive integer, got " + v);
        }
        return v.asInt();
    }

    int optInt(String key, int dflt) {
        return has(key) ? requireInt(key) : dflt;
    }

    double optDouble(String key, double dflt) {
        if (!has(key)) return dflt;
        JsonNode v = node.get(key);
        if (!v.isNumber()) throw new SmeltException(file + ": field \"" + prefix + key + "\" must be a number, got " + v);
        return v.asDouble();
    }

    boolean optBool(String key, boolean dflt) {
        if (!has(key)) return dflt;
        JsonNode v = node.get(key);
        if (!v.isBoolean()) throw new SmeltException(file + ": field \"" + prefix + key + "\" must be true or false, got " + v);
        return v.asBoolean();
    }

    Integer optTokenId(String key) {
        if (!has(key)) return null;
        JsonNode v = node.get(key);
        if (v.isArray()) return v.isEmpty() ? null : v.get(0).asInt();
        if (!v.isIntegralNumber()) throw new SmeltException(file + ": field \"" + prefix + key + "\" must be a token id, got " + v);
        return v.asInt();
    }

    /** An int or a list of ints (eos_token_id may be either). */
    List<Integer> optTokenIds(String key) {
        List<Integer> out = new ArrayList<>();
        if (!has(key)) return out;
        JsonNode v = node.get(key);
        if (v.isArray()) {
            for (JsonNode e : v) {
                if (!e.isIntegralNumber()) throw new SmeltException(file + ": field \"" + prefix + key + "\" must hold token ids, got " + v);
                out.add(e.asInt());
            }
        } else if (v.isIntegralNumber()) {
            out.add(v.asInt());
        } else {
            throw new SmeltException(file + ": field \"" + prefix + key + "\" must be a token id or a list of them, got " + v);
        }
        return out;
    }

    String file() {
        return file;
    }
}
