package dev.smelt.datasets.source;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * One JSON object per line; blank lines are ignored, a line that does not parse (or holds more than one value)
 * becomes an invalid row.
 */
public final class JsonlRowReader implements RowReader {
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final String displayName;
    private final Path dir;
    private final BufferedReader reader;
    private long lineNumber;

    public JsonlRowReader(DataFile file) throws IOException {
        this(Inputs.open(file), file.displayName(), 0, file.path().toAbsolutePath().getParent());
    }

    /**
     * The lines of {@code in}, numbered as lines {@code linesBefore + 1, …} of {@code displayName}: a part of a file
     * that starts at the beginning of a line (a Spark input split), after {@code linesBefore} lines. Closes {@code in}.
     */
    public JsonlRowReader(InputStream in, String displayName, long linesBefore) {
        this(in, displayName, linesBefore, null);
    }

    /** As above; {@code dir} is the file's folder, which paths in rows (image parts) are relative to, or null. */
    public JsonlRowReader(InputStream in, String displayName, long linesBefore, Path dir) {
        this.displayName = displayName;
        this.dir = dir;
        this.reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 1 << 16);
        this.lineNumber = linesBefore;
    }

    /** The number of the last line read (blank lines included), counting {@code linesBefore}. */
    public long lineNumber() {
        return lineNumber;
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
        RowLocation at = new RowLocation(displayName, lineNumber, true, dir);
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
