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
 * Passes bytes through while computing their SHA-256 and count. With a hasher thread, large writes are hashed on
 * it while the stream below consumes the same bytes (compression, on the caller's thread), and the write returns
 * when both are done, so the caller may reuse its buffer and the digest sees the bytes in order.
 */
public final class DigestingOutputStream extends FilterOutputStream {
    private static final int ASYNC_MIN = 64 << 10;
    private final MessageDigest digest = sha256();
    private final ExecutorService hasher;
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
        out.write(b);
        digest.update((byte) b);
        count++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (hasher == null || len < ASYNC_MIN) {
            out.write(b, off, len);
            digest.update(b, off, len);
        } else {
            Future<?> hashed = hasher.submit(() -> digest.update(b, off, len));
            try {
                out.write(b, off, len);
            } finally {
                await(hashed);
            }
        }
        count += len;
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

    public String hex() {
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
