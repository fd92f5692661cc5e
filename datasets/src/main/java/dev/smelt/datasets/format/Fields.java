package dev.smelt.datasets.format;

import com.fasterxml.jackson.databind.JsonNode;
import dev.smelt.datasets.source.RowLocation;

/** Reads mapped fields from a row, failing with {@code file:line: missing "x"}-style errors. */
final class Fields {
    private Fields() {}

    static JsonNode field(JsonNode row, String column) {
        JsonNode v = row.get(column);
        return v == null || v.isNull() || v.isMissingNode() ? null : v;
    }

    static JsonNode required(JsonNode row, String column, RowLocation at) {
        JsonNode v = field(row, column);
        if (v == null) throw new InvalidRowException(at, "missing \"" + column + "\"");
        return v;
    }

    /** A text field; numbers and booleans (as CSV cells may hold) are taken as their text. */
    static String requiredText(JsonNode row, String column, RowLocation at) {
        return text(required(row, column, at), "\"" + column + "\"", at);
    }

    static String optionalText(JsonNode row, String column, RowLocation at) {
        JsonNode v = field(row, column);
        return v == null ? null : text(v, "\"" + column + "\"", at);
    }

    static String text(JsonNode v, String what, RowLocation at) {
        if (v.isTextual()) return v.textValue();
        if (v.isValueNode()) return v.asText();
        throw new InvalidRowException(at, what + " must be a string, found " + kind(v));
    }

    static String kind(JsonNode v) {
        if (v.isArray()) return "an array";
        if (v.isObject()) return "an object";
        return v.getNodeType().name().toLowerCase();
    }
}
