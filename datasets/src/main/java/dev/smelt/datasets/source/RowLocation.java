package dev.smelt.datasets.source;

import java.nio.file.Path;

/**
 * Where a row came from, for error messages: {@code data.jsonl:1234} for line-based files, {@code
 * data.parquet:row 17} for tabular files whose rows have no line numbers. {@code dir} is the folder of the data file
 * (paths in the row, such as image parts, are relative to it), null when unknown.
 */
public record RowLocation(String file, long number, boolean lineNumbered, Path dir) {
    public RowLocation(String file, long number, boolean lineNumbered) {
        this(file, number, lineNumbered, null);
    }

    public static RowLocation line(String file, long line) {
        return new RowLocation(file, line, true);
    }

    public static RowLocation row(String file, long row) {
        return new RowLocation(file, row, false);
    }

    /** Line {@code line} of {@code file}, knowing its folder. */
    public static RowLocation line(DataFile file, long line) {
        return new RowLocation(file.displayName(), line, true, folder(file));
    }

    /** Row {@code row} of {@code file}, knowing its folder. */
    public static RowLocation row(DataFile file, long row) {
        return new RowLocation(file.displayName(), row, false, folder(file));
    }

    private static Path folder(DataFile file) {
        Path abs = file.path().toAbsolutePath();
        return abs.getParent();
    }

    @Override
    public String toString() {
        return lineNumbered ? file + ":" + number : file + ":row " + number;
    }
}
