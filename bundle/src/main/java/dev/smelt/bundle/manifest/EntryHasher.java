package dev.smelt.bundle.manifest;

import dev.smelt.bundle.archive.ArchiveEntry;
import dev.smelt.core.SmeltException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.Future;

/**
 * Computes each entry's {@link FileRecord} on a thread of its own, from its own pass over the entry's content, while
 * the archive stream writes the same entry. SHA-256 is a bundle's slowest step (~1.4 GB per CPU second, about a
 * copy's speed) and one file's hash cannot be split; handing it the archive's bytes a buffer at a time kept both
 * threads waiting on each other half the time, while independent passes over page-cache-warm bytes never wait.
 * While the archive is being written the hashers leave one core to it (one thread on two cores), so the archive
 * reaches the device at the device's speed; the hashes then fall behind, and {@link #useAllThreads()} lets every
 * thread finish them while the device flushes the archive (the flush of 2 GiB takes ~1 s of idle CPU on the
 * development machine). The hashed byte count must equal the declared size, and the bundler checks that no input file
 * changed between the two passes.
 */
public final class EntryHasher implements AutoCloseable {
    private static final int CORES = Runtime.getRuntime().availableProcessors();
    static final int THREADS = Math.max(1, Math.min(4, CORES));
    /** While the archive is written: one core left to the archive stream and its writers. */
    static final int WHILE_WRITING = Math.max(1, Math.min(THREADS, CORES - 1));
    private final ThreadPoolExecutor thread = new ThreadPoolExecutor(WHILE_WRITING, WHILE_WRITING, 0, TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(), r -> {
        Thread t = new Thread(r, "smelt-bundle-sha256");
        t.setDaemon(true);
        return t;
    });

    /** Starts hashing {@code e}; call it when the archive starts writing {@code e}. */
    public Future<FileRecord> start(ArchiveEntry e) {
        return thread.submit(() -> hash(e));
    }

    public static FileRecord hash(ArchiveEntry e) {
        DigestingOutputStream d = new DigestingOutputStream(OutputStream.nullOutputStream());
        try {
            e.content().writeTo(d);
        } catch (IOException x) {
            throw new UncheckedIOException(x);
        }
        if (d.count() != e.size()) {
            throw new SmeltException(e.path() + ": " + d.count() + " bytes read, expected " + e.size()
                    + " (did an input change while bundling?)");
        }
        return new FileRecord(e.path(), e.size(), d.hex());
    }

    /**
     * From now on hashes on all its threads: call it when the archive has written the entries and waits for the
     * device, whose flush then overlaps the last hashes.
     */
    public void useAllThreads() {
        thread.setMaximumPoolSize(THREADS);
        thread.setCorePoolSize(THREADS);
    }

    /** Waits for the record; the first failure of the hashing thread is rethrown as it was. */
    public static FileRecord await(Future<FileRecord> f) throws IOException {
        try {
            return f.get();
        } catch (InterruptedException x) {
            f.cancel(true);
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while hashing");
        } catch (ExecutionException x) {
            if (x.getCause() instanceof UncheckedIOException u) throw u.getCause();
            if (x.getCause() instanceof RuntimeException re) throw re;
            throw new IOException("hashing failed", x.getCause());
        }
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
