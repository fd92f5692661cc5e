package dev.smelt.bundle.archive;

import java.io.IOException;
import java.nio.channels.FileChannel;

/**
 * An output stream that takes a byte range of a file from the file's channel itself, so the bytes are read straight
 * to where they go (the archive's direct buffers) instead of through the caller's array and every layer's copy of it.
 * The result is the same as {@link java.io.OutputStream#write(byte[], int, int)} of those bytes in any split.
 */
interface RegionSink {
    /**
     * Writes bytes {@code [from, to)} of {@code in}; an {@link java.io.EOFException} when the file ends before
     * {@code to}.
     */
    void writeRegion(FileChannel in, long from, long to) throws IOException;
}
