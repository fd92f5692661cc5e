package dev.smelt.datasets.source;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * One JSON object per line; blank lines are ignored, a line that does not parse (or holds more than one value)
 * becomes an invalid row.
 */
public final class JsonlRowReader implements RowReader {
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final DataFile file;
    private final BufferedReader reader;
    private long lineNumber;

    public JsonlRowReader(DataFile file) throws IOException {
        this.file = file;
        this.reader = new BufferedReader(new InputStreamReader(Inputs.open(file), StandardCharsets.UTF_8), 1 << 16);
    }

    @Override
    public RawRow next() throws IOException {
        String line;
        while ((line = reader.readLine()) != null) {
            lineNumber++;
            if (!line.isBlank()) return parse(line);
        }
        return null;
    }

    private RawRow parse(String line) {
        RowLocation at = RowLocation.line(file.displayName(), lineNumber);
        try {
            JsonNode node = JSON.readTree(line);
            if (!node.isObject()) return RawRow.invalid(at, "expected a JSON object, found " + node.getNodeType().name().toLowerCase());
            return RawRow.of(at, node);
        } catch (JsonProcessingException e) {
            return RawRow.invalid(at, "invalid JSON: " + JsonErrors.plain(e));
        }
    }

    @Override
    public void close() throws IOException {
        reader.close();
    }
}
