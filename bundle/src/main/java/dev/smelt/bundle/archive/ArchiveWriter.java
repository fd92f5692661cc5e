package dev.smelt.bundle.archive;

import java.io.IOException;

/**
 * Writes entries, in the order given, into one archive. Every entry gets the same mtime, uid/gid 0, mode
 * 0644 and no owner names, so the output depends only on the entries and the format.
 */
public interface ArchiveWriter extends AutoCloseable {
    void add(ArchiveEntry entry) throws IOException;

    /** Writes the archive's trailer and flushes; the underlying channel stays open. */
    @Override
    void close() throws IOException;
}
