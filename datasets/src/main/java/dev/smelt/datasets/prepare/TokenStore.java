package dev.smelt.datasets.prepare;

import dev.smelt.datasets.image.ImageRef;
import dev.smelt.datasets.tokenize.TokenizedExample;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Tokenized examples spilled to a temporary file so that preparing a large dataset does not hold it
 * on the heap: 4 bytes per token (the id, with the sign bit set when the token is trained) plus an
 * 8-byte offset per example in memory (plus, for examples with images, their image references: a path and a grid
 * per image). Reads are positional, so concurrent {@link #get} calls are
 * safe once writing is finished. The file is unlinked as soon as it is open (on POSIX systems), so not even
 * a killed process leaves it behind; elsewhere it is deleted on {@link #close} or exit.
 */
public final class TokenStore implements AutoCloseable {
    private static final int TRAINED = 0x8000_0000;

    private final Path file;
    private final FileChannel channel;
    private final ByteBuffer writeBuffer = ByteBuffer.allocateDirect(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
    private long[] offsets = new long[1025]; // in tokens; offsets[i]..offsets[i+1] is example i
    private int size;
    private long written; // tokens
    private final Map<Integer, List<ImageRef>> images = new HashMap<>();

    public TokenStore(Path directory) {
        try {
            Files.createDirectories(directory);
            this.file = Files.createTempFile(directory, "smelt-tokens-", ".bin");
            this.channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // unlinked while open (POSIX): the data lives as long as the channel, and a killed process leaves no file
        try {
            Files.delete(file);
        } catch (IOException e) {
            file.toFile().deleteOnExit(); // Windows: an open file cannot be deleted
        }
    }

    public static TokenStore temporary() {
        return new TokenStore(Path.of(System.getProperty("java.io.tmpdir")));
    }

    public int append(TokenizedExample ex) {
        int[] ids = ex.inputIds();
        int[] labels = ex.labels();
        for (int t = 0; t < ids.length; t++) {
            if (ids[t] < 0) throw new IllegalArgumentException("negative token id " + ids[t]);
            boolean trained = labels[t] != TokenizedExample.IGNORE;
            if (trained && labels[t] != ids[t]) throw new IllegalArgumentException("label " + labels[t] + " differs from its input id " + ids[t]);
            if (writeBuffer.remaining() < 4) flush();
            writeBuffer.putInt(trained ? ids[t] | TRAINED : ids[t]);
        }
        if (size + 2 > offsets.length) offsets = Arrays.copyOf(offsets, offsets.length * 2);
        written += ids.length;
        if (!ex.images().isEmpty()) images.put(size, ex.images());
        offsets[++size] = written;
        return size - 1;
    }

    /** Ends writing; required before {@link #get}. */
    public void finish() {
        flush();
    }

    private void flush() {
        writeBuffer.flip();
        try {
            while (writeBuffer.hasRemaining()) channel.write(writeBuffer); // sequential; reads are positional
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        writeBuffer.clear();
    }

    public int size() {
        return size;
    }

    public int length(int index) {
        return (int) (offsets[index + 1] - offsets[index]);
    }

    public long totalTokens() {
        return written;
    }

    public TokenizedExample get(int index) {
        if (index < 0 || index >= size) throw new IndexOutOfBoundsException(index);
        int n = length(index);
        ByteBuffer buf = ByteBuffer.allocate(n * 4).order(ByteOrder.LITTLE_ENDIAN);
        long pos = offsets[index] * 4;
        try {
            while (buf.hasRemaining()) {
                int r = channel.read(buf, pos + buf.position());
                if (r < 0) throw new IOException(file + ": unexpected end of token file");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        buf.flip();
        int[] ids = new int[n];
        int[] labels = new int[n];
        for (int t = 0; t < n; t++) {
            int v = buf.getInt();
            ids[t] = v & ~TRAINED;
            labels[t] = (v & TRAINED) != 0 ? ids[t] : TokenizedExample.IGNORE;
        }
        return new TokenizedExample(ids, labels, images.getOrDefault(index, List.of()));
    }

    /** Whether any stored example has images. */
    public boolean hasImages() {
        return !images.isEmpty();
    }

    @Override
    public void close() {
        try {
            channel.close();
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
