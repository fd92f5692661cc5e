package dev.smelt.datasets.source;

import java.io.IOException;
import java.io.InputStream;

/** Opens the right reader for a data file. */
public final class RowReaders {
    private RowReaders() {}

    public static RowReader open(DataFile file, TextSampling textSampling) throws IOException {
        return switch (file.kind()) {
            case JSONL -> new JsonlRowReader(file);
            // Hugging Face writes JSON Lines under .json too; the first character tells them apart.
            case JSON -> startsWithArray(file) ? new JsonArrayRowReader(file) : new JsonlRowReader(file);
            case CSV, TSV, PARQUET -> new DuckDbRowReader(file);
            case TEXT -> new TextRowReader(file, textSampling);
        };
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
