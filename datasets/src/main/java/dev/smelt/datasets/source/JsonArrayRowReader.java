package dev.smelt.datasets.source;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.smelt.core.SmeltException;
import java.io.IOException;

/**
 * A {@code .json} file holding one array of objects, read element by element with Jackson's streaming
 * parser so the array is never held whole. A syntax error inside the array ends the file: after it no
 * element boundary can be trusted, so it is fatal even with {@code --skip-invalid}.
 */
public final class JsonArrayRowReader implements RowReader {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final DataFile file;
    private final JsonParser parser;
    private long index;

    public JsonArrayRowReader(DataFile file) throws IOException {
        this.file = file;
        this.parser = JSON.createParser(Inputs.open(file));
        JsonToken first = nextToken();
        if (first != JsonToken.START_ARRAY) {
            parser.close();
            throw new SmeltException(file.displayName() + ":1: expected a JSON array of objects");
        }
    }

    @Override
    public RawRow next() throws IOException {
        JsonToken token = nextToken();
        if (token == JsonToken.END_ARRAY || token == null) return null;
        long line = parser.currentTokenLocation().getLineNr();
        RowLocation at = RowLocation.line(file, line);
        index++;
        JsonNode node;
        try {
            node = parser.readValueAsTree();
        } catch (JsonProcessingException e) {
            long errorLine = e.getLocation() == null || e.getLocation().getLineNr() < 1 ? line : e.getLocation().getLineNr();
            throw new SmeltException(file.displayName() + ":" + errorLine + ": invalid JSON in array element " + index + ": "
                    + JsonErrors.plain(e));
        }
        if (!node.isObject()) return RawRow.invalid(at, "expected a JSON object, found " + node.getNodeType().name().toLowerCase());
        return RawRow.of(at, node);
    }

    private JsonToken nextToken() throws IOException {
        try {
            return parser.nextToken();
        } catch (JsonProcessingException e) {
            long line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
            throw new SmeltException(file.displayName() + ":" + line + ": invalid JSON: " + JsonErrors.plain(e));
        }
    }

    @Override
    public void close() throws IOException {
        parser.close();
    }
}
