package dev.smelt.bundle.archive;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;

/** Walks an archive's entries in stored order. */
public interface ArchiveReader extends Closeable {
    /** The next entry, or null at the end. Its bytes are readable from {@link #content()} until the next call. */
    ReadEntry next() throws IOException;

    /** The current entry's bytes (not to be closed by the caller). */
    InputStream content() throws IOException;
}
