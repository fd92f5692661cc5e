package dev.smelt.datasets.source;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One record read from a source, before any format is applied. Exactly one of {@code value} and
 * {@code syntaxError} is set: a line that is not valid JSON still yields a row, so the caller decides
 * whether it is fatal ({@code --skip-invalid}).
 */
public record RawRow(RowLocation location, JsonNode value, String syntaxError) {
    public static RawRow of(RowLocation location, JsonNode value) {
        return new RawRow(location, value, null);
    }

    public static RawRow invalid(RowLocation location, String syntaxError) {
        return new RawRow(location, null, syntaxError);
    }

    public boolean isValid() {
        return syntaxError == null;
    }
}
