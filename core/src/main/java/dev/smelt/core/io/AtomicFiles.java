package dev.smelt.core.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Write-then-rename helpers so that no reader ever sees a half-written file or directory: content
 * goes to a sibling temporary path, is fsynced, and is moved into place atomically.
 *
 * <p>Temporaries are named after their target and their writer
 * ({@code .<target>.smelt-<host hash>-<pid>-<start>-<random>.tmp}, see {@link OwnedTemps}). A writer killed mid-write (SIGKILL, OOM killer, power loss) leaves its temporary
 * behind; the next write of the same target removes it once its process is gone (process id free or reused by a
 * later process, and no lock held on the file), and never touches the temporary of a writer that may still be alive.
 */
public final class AtomicFiles {
    private AtomicFiles() {}

    /** Writes a file through {@code writer}; on any failure the target is untouched and the temp file removed. */
    public static void write(Path target, IOConsumer<FileChannel> writer) throws IOException {
        write(target, writer, false);
    }

    /**
     * As {@link #write}, and if the JVM shuts down while writing (SIGTERM, Ctrl-C) a shutdown hook deletes the temp
     * file. For writes that nothing finishes during shutdown (a conversion), not for those a stopping program still
     * completes (a checkpoint saved on stop).
     */
    public static void writeDiscardingOnExit(Path target, IOConsumer<FileChannel> writer) throws IOException {
        write(target, (ch, tmp) -> writer.accept(ch), true);
    }

    /**
     * As {@link #writeDiscardingOnExit(Path, IOConsumer)}, also telling the writer the temp file's path (for a second
     * channel on the same file, e.g. one opened for direct I/O).
     */
    public static void writeDiscardingOnExit(Path target, TempFileWriter writer) throws IOException {
        write(target, writer, true);
    }

    private static void write(Path target, IOConsumer<FileChannel> writer, boolean discardOnExit) throws IOException {
        write(target, (ch, tmp) -> writer.accept(ch), discardOnExit);
    }

    private static void write(Path target, TempFileWriter writer, boolean discardOnExit) throws IOException {
        Path abs = target.toAbsolutePath();
        Files.createDirectories(abs.getParent());
        OwnedTemps.removeStale(abs);
        Path tmp = OwnedTemps.createFile(abs);
        Thread discard = discardOnExit ? registerDiscard(tmp) : null;
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                holdWriterLock(ch);
                writer.write(ch, tmp);
                ch.force(true);
            }
            move(tmp, abs);
        } catch (IOException | RuntimeException | Error e) {
            Files.deleteIfExists(tmp);
            throw e;
        } finally {
            if (discard != null) unregister(discard);
        }
    }

    public static void writeString(Path target, String content) throws IOException {
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        write(target, ch -> {
            ByteBuffer buf = ByteBuffer.wrap(bytes);
            while (buf.hasRemaining()) ch.write(buf);
        });
    }

    /**
     * Builds a directory through {@code builder} in a sibling temp dir, then renames it to {@code target}.
     * An existing target is replaced only after the new content is complete.
     */
    public static void writeDirectory(Path target, IOConsumer<Path> builder) throws IOException {
        Path abs = target.toAbsolutePath();
        Files.createDirectories(abs.getParent());
        OwnedTemps.removeStale(abs);
        Path tmp = OwnedTemps.createDirectory(abs);
        try {
            builder.accept(tmp);
            if (Files.exists(abs)) {
                Path old = OwnedTemps.oldSibling(abs);
                Files.move(abs, old, StandardCopyOption.ATOMIC_MOVE);
                move(tmp, abs);
                deleteRecursively(old);
            } else {
                move(tmp, abs);
            }
        } catch (IOException | RuntimeException | Error e) {
            deleteRecursively(tmp);
            throw e;
        }
    }

    /**
     * The writer keeps an exclusive lock on its temp file while writing, so that a process that cannot tell from
     * the name whether the writer lives (another PID namespace) leaves the file alone. Where the file system has no
     * locks the write goes on without.
     */
    private static void holdWriterLock(FileChannel ch) {
        try {
            ch.tryLock();
        } catch (IOException e) {
            // no lock support: the process check alone protects the file
        }
    }

    private static Thread registerDiscard(Path tmp) {
        Thread hook = new Thread(() -> {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // best effort at exit; the next write of the target removes it
            }
        }, "atomic-write-discard");
        try {
            Runtime.getRuntime().addShutdownHook(hook);
            return hook;
        } catch (IllegalStateException shuttingDown) {
            return null;
        }
    }

    private static void unregister(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or has run; nothing to undo
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    public static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) return;
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @FunctionalInterface
    public interface IOConsumer<T> {
        void accept(T t) throws IOException;
    }

    /** Writes the temp file through {@code channel}; {@code file} is its path. */
    @FunctionalInterface
    public interface TempFileWriter {
        void write(FileChannel channel, Path file) throws IOException;
    }
}
