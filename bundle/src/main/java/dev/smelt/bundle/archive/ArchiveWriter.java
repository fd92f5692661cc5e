package dev.smelt.bundle.archive;

import java.io.IOException;

/**
 * Writes entries, in the order given, into one archive. Every entry gets the same mtime, uid/gid 0, mode
 * 0644 and no owner names, so the output depends only on the entries and the format.
 */
public interface ArchiveWriter extends AutoCloseable {
    void add(ArchiveEntry entry) throws IOException;

    /**
     * Puts what the archive has written so far on the device (written out and forced), for a caller about to wait on
     * something else (the bundle's hashes): the device flushes those bytes meanwhile, and the fsync after
     * {@link #close()} has only the rest to flush. Bytes still held by a compressor or buffer wait for close.
     */
    void sync() throws IOException;

    /** Writes the archive's trailer and flushes; the underlying channel stays open. */
    @Override
    void close() throws IOException;
}
