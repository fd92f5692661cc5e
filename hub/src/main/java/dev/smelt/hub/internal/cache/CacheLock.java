package dev.smelt.hub.internal.cache;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An exclusive lock on a file under {@code .locks/}, held across threads of this JVM and across processes.
 * The OS lock is per process, so threads of one JVM first queue on an in-memory lock for the same path.
 * The lock file itself is left in place, as huggingface_hub does.
 */
public final class CacheLock implements AutoCloseable {
    private static final ConcurrentHashMap<Path, ReentrantLock> IN_PROCESS = new ConcurrentHashMap<>();
    private static final long POLL_MILLIS = 50;

    private final ReentrantLock local;
    private final FileChannel channel;
    private final FileLock fileLock;

    private CacheLock(ReentrantLock local, FileChannel channel, FileLock fileLock) {
        this.local = local;
        this.channel = channel;
        this.fileLock = fileLock;
    }

    public static CacheLock acquire(Path lockFile) throws IOException {
        Path key = lockFile.toAbsolutePath().normalize();
        ReentrantLock local = IN_PROCESS.computeIfAbsent(key, k -> new ReentrantLock());
        try {
            local.lockInterruptibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for " + lockFile);
        }
        FileChannel ch = null;
        try {
            Files.createDirectories(key.getParent());
            ch = FileChannel.open(key, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            // Poll instead of a blocking lock(): fcntl locks belong to the process, so two processes whose
            // threads each hold one lock and wait for another are reported as a deadlock (EDEADLK) by the
            // kernel although no thread waits while holding a lock.
            FileLock fl;
            while ((fl = ch.tryLock()) == null) {
                try {
                    Thread.sleep(POLL_MILLIS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while waiting for " + lockFile);
                }
            }
            return new CacheLock(local, ch, fl);
        } catch (IOException | RuntimeException e) {
            if (ch != null) ch.close();
            local.unlock();
            if (e instanceof OverlappingFileLockException) throw new IOException("lock " + lockFile + " already held", e);
            throw e;
        }
    }

    @Override
    public void close() throws IOException {
        try {
            fileLock.release();
            channel.close();
        } finally {
            local.unlock();
        }
    }
}
