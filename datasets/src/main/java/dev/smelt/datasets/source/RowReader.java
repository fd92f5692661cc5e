package dev.smelt.datasets.source;

import java.io.IOException;

/** Streams the rows of one file; memory does not depend on the file's size. */
public interface RowReader extends AutoCloseable {
    /** The next row, or {@code null} at the end of the file. */
    RawRow next() throws IOException;

    @Override
    void close() throws IOException;
}
