package dev.smelt.datasets.source;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/** The container formats a data file can have, recognised by file name extension. */
public enum FileKind {
    JSONL, JSON, CSV, TSV, PARQUET, TEXT;

    /** The kind for a file name ({@code .gz} is looked through for the line-based kinds), if known. */
    public static Optional<FileKind> of(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        boolean gz = name.endsWith(".gz");
        if (gz) name = name.substring(0, name.length() - 3);
        FileKind kind = null;
        if (name.endsWith(".jsonl") || name.endsWith(".ndjson")) kind = JSONL;
        else if (name.endsWith(".json")) kind = JSON;
        else if (name.endsWith(".csv")) kind = CSV;
        else if (name.endsWith(".tsv")) kind = TSV;
        else if (name.endsWith(".parquet")) kind = PARQUET;
        else if (name.endsWith(".txt") || name.endsWith(".text")) kind = TEXT;
        if (gz && kind == PARQUET) return Optional.empty();
        return Optional.ofNullable(kind);
    }

    public static boolean isGzip(Path file) {
        return file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".gz");
    }
}
