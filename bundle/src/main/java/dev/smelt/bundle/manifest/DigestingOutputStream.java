package dev.smelt.bundle.manifest;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * Passes bytes through while computing their SHA-256 and count. With a hasher thread, large writes are copied into
 * one of two buffers of the stream's own and hashed on it while the stream below consumes them and the caller reads
 * the next ones: a write waits only for the hash of the write before it, so hashing (a bundle's slowest step, ~1.4 GB
 * per CPU second) overlaps the caller's reads as well as the archive stream. The digest still sees the bytes in order,
 * and {@link #hex()} waits for the last hash.
 */
public final class DigestingOutputStream extends FilterOutputStream {
    private static final int ASYNC_MIN = 64 << 10;
    private final MessageDigest digest = sha256();
    private final ExecutorService hasher;
    private final byte[][] copies = new byte[2][];
    private int nextCopy;
    private Future<?> pending;
    private long count;

    public DigestingOutputStream(OutputStream out) {
        this(out, null);
    }

    /** As {@link #DigestingOutputStream(OutputStream)}, hashing writes of 64 KiB or more on {@code hasher}. */
    public DigestingOutputStream(OutputStream out, ExecutorService hasher) {
        super(out);
        this.hasher = hasher;
    }

    @Override
    public void write(int b) throws IOException {
        awaitPending();
        out.write(b);
        digest.update((byte) b);
        count++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (hasher == null || len < ASYNC_MIN) {
            awaitPending();
            out.write(b, off, len);
            digest.update(b, off, len);
        } else {
            byte[] copy = copies[nextCopy];
            if (copy == null || copy.length < len) copy = copies[nextCopy] = new byte[len];
            System.arraycopy(b, off, copy, 0, len);
            awaitPending(); // the hash of the other copy: the digest's order holds, and that copy is free next time
            byte[] hashed = copy;
            pending = hasher.submit(() -> digest.update(hashed, 0, len));
            nextCopy ^= 1;
            out.write(b, off, len);
        }
        count += len;
    }

    private void awaitPending() throws IOException {
        if (pending == null) return;
        Future<?> f = pending;
        pending = null;
        await(f);
    }

    private static void await(Future<?> f) throws IOException {
        try {
            f.get();
        } catch (InterruptedException e) {
            f.cancel(true);
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while hashing");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) throw re;
            throw new IOException("hashing failed", e.getCause());
        }
    }

    /** Does not close the stream below (the archive entry is closed by its writer). */
    @Override
    public void close() {}

    public long count() {
        return count;
    }

    public String hex() throws IOException {
        awaitPending();
        return HexFormat.of().formatHex(digest.digest());
    }

    public static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
