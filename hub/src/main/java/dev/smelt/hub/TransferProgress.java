package dev.smelt.hub;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Thread-safe counters of one transfer (many files in parallel): bytes expected, bytes done, and how many of
 * the done bytes actually crossed the network (resumed bytes count as done but not towards the rate).
 */
public final class TransferProgress {
    private final AtomicLong totalBytes = new AtomicLong();
    private final AtomicLong doneBytes = new AtomicLong();
    private final AtomicLong networkBytes = new AtomicLong();
    private final AtomicInteger totalFiles = new AtomicInteger();
    private final AtomicInteger doneFiles = new AtomicInteger();
    private final AtomicLong updates = new AtomicLong();

    public void expect(long bytes, int files) {
        totalBytes.addAndGet(bytes);
        totalFiles.addAndGet(files);
    }

    /** Bytes received from the network and written. */
    public void transferred(long n) {
        doneBytes.addAndGet(n);
        networkBytes.addAndGet(n);
        updates.incrementAndGet();
    }

    /** Bytes already on disk from an earlier, interrupted download. */
    public void resumed(long n) {
        doneBytes.addAndGet(n);
        updates.incrementAndGet();
    }

    /** Bytes thrown away (a corrupt body, a server that ignored the Range header). */
    public void discarded(long n) {
        doneBytes.addAndGet(-n);
        updates.incrementAndGet();
    }

    public void fileDone() {
        doneFiles.incrementAndGet();
        updates.incrementAndGet();
    }

    public Snapshot snapshot() {
        return new Snapshot(totalBytes.get(), doneBytes.get(), networkBytes.get(), totalFiles.get(), doneFiles.get(),
                updates.get());
    }

    /** A consistent-enough reading of the counters. */
    public record Snapshot(long totalBytes, long doneBytes, long networkBytes, int totalFiles, int doneFiles, long updates) {}
}
