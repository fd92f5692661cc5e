package dev.smelt.datasets.source;

/**
 * Where a row came from, for error messages: {@code data.jsonl:1234} for line-based files, {@code
 * data.parquet:row 17} for tabular files whose rows have no line numbers.
 */
public record RowLocation(String file, long number, boolean lineNumbered) {
    public static RowLocation line(String file, long line) {
        return new RowLocation(file, line, true);
    }

    public static RowLocation row(String file, long row) {
        return new RowLocation(file, row, false);
    }

    @Override
    public String toString() {
        return lineNumbered ? file + ":" + number : file + ":row " + number;
    }
}
