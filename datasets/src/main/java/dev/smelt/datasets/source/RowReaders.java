package dev.smelt.datasets.source;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.smelt.core.SmeltException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.io.InputStream;

/** Opens the right reader for a data file. */
public final class RowReaders {
    private static final ObjectMapper JSON = new ObjectMapper();

    private RowReaders() {}

    public static RowReader open(DataFile file, TextSampling textSampling) throws IOException {
        return switch (file.kind()) {
            case JSONL -> new JsonlRowReader(file);
            // Hugging Face writes JSON Lines under .json too; the first character tells them apart.
            case JSON -> startsWithArray(file) ? new JsonArrayRowReader(file) : jsonLines(file);
            case CSV, TSV, PARQUET -> new DuckDbRowReader(file);
            case TEXT -> new TextRowReader(file, textSampling);
        };
    }

    /** A .json file that is not an array must be JSON Lines; a pretty-printed object is not data. */
    private static RowReader jsonLines(DataFile file) throws IOException {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(Inputs.open(file), StandardCharsets.UTF_8))) {
            String line;
            int n = 0;
            while ((line = in.readLine()) != null) {
                n++;
                if (line.isBlank()) continue;
                try {
                    JSON.readTree(line);
                } catch (JsonProcessingException e) {
                    throw new SmeltException(file.displayName() + ":" + n
                            + ": expected a JSON array of objects, or JSON Lines (one object per line)");
                }
                break;
            }
        }
        return new JsonlRowReader(file);
    }

    private static boolean startsWithArray(DataFile file) throws IOException {
        try (InputStream in = Inputs.open(file)) {
            int c;
            do {
                c = in.read();
            } while (c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == 0xEF || c == 0xBB || c == 0xBF);
            return c == '[';
        }
    }
}
