package dev.smelt.bundle.archive;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Streams a byte range of a file into an output stream in 256 KiB writes. {@code Files.copy} and a channel adapter move
 * 8 KiB at a time, and below the archive stream each write is a native compressor call, so larger writes are what
 * keeps a bundle near copy speed; 256 KiB rather than 1 MiB keeps each chunk in the core's L2 cache between the read
 * and its consumer (the entry hashers' SHA-256 CPU per 2 GiB went from 1.9–2.2 to 1.8 s).
 */
public final class FileRegion {
    private static final int CHUNK = 256 << 10;

    private FileRegion() {}

    public static void copy(Path file, long from, long to, OutputStream out) throws IOException {
        byte[] chunk = new byte[(int) Math.min(CHUNK, Math.max(1, to - from))];
        ByteBuffer buf = ByteBuffer.wrap(chunk);
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            long pos = from;
            while (pos < to) {
                buf.clear().limit((int) Math.min(chunk.length, to - pos));
                int n = in.read(buf, pos);
                if (n < 0) throw new IOException(file + ": ended at byte " + pos + ", expected " + to);
                out.write(chunk, 0, n);
                pos += n;
            }
        }
    }
}
