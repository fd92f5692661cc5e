package dev.smelt.core.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Names of the temporaries that {@link AtomicFiles} writes beside a target, and the removal of those left by
 * processes that died mid-write (SIGKILL, power loss). A name says which target and which process it belongs to:
 * {@code .<target>.smelt-<host hash>-<pid>-<start ms>-<random>.<kind>}, kind {@code tmp} (a file being written),
 * {@code tmpdir} (a directory being built) or {@code old} (a directory being replaced).
 */
final class OwnedTemps {
    enum Kind {
        TMP, TMPDIR, OLD;

        String suffix() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private static final Pattern OWNER = Pattern.compile("smelt-([0-9a-f]{8}|" + TempOwner.UNKNOWN_HOST + ")-(\\d+)-(\\d+)-[0-9a-z]+\\.(tmp|tmpdir|old)");

    private OwnedTemps() {}

    static String name(Path target, TempOwner owner, String random, Kind kind) {
        return "." + target.getFileName() + ".smelt-" + owner.host() + "-" + owner.pid() + "-" + owner.startMillis()
                + "-" + random + "." + kind.suffix();
    }

    /** Creates a new, empty temp file for {@code target} (absolute) owned by this process. */
    static Path createFile(Path target) throws IOException {
        while (true) {
            Path p = target.resolveSibling(name(target, TempOwner.current(), random(), Kind.TMP));
            try {
                return Files.createFile(p);
            } catch (FileAlreadyExistsException taken) {
                // another random part
            }
        }
    }

    /** Creates a new, empty temp directory for {@code target} (absolute) owned by this process. */
    static Path createDirectory(Path target) throws IOException {
        while (true) {
            Path p = target.resolveSibling(name(target, TempOwner.current(), random(), Kind.TMPDIR));
            try {
                return Files.createDirectory(p);
            } catch (FileAlreadyExistsException taken) {
                // another random part
            }
        }
    }

    /** Where {@code target} (absolute) is moved while its replacement takes its place. */
    static Path oldSibling(Path target) {
        return target.resolveSibling(name(target, TempOwner.current(), random(), Kind.OLD));
    }

    /** The owner of {@code fileName} if it is one of {@code target}'s temporaries. */
    static Optional<TempOwner> ownerOf(Path target, String fileName) {
        String prefix = "." + target.getFileName() + ".";
        if (!fileName.startsWith(prefix)) return Optional.empty();
        Matcher m = OWNER.matcher(fileName.substring(prefix.length()));
        if (!m.matches()) return Optional.empty();
        return Optional.of(new TempOwner(m.group(1), Long.parseLong(m.group(2)), Long.parseLong(m.group(3))));
    }

    /**
     * Removes {@code target}'s temporaries whose writer is gone: its process is dead (or the id now belongs to a
     * later process) and, for a file, no process holds the lock that writers keep on it. Best effort: anything
     * that cannot be read or removed stays, and the write goes on.
     */
    static void removeStale(Path target) {
        Path dir = target.getParent();
        String prefix = "." + target.getFileName() + ".smelt-";
        List<Path> candidates = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            s.filter(p -> p.getFileName().toString().startsWith(prefix)).forEach(candidates::add);
        } catch (IOException | UncheckedIOException e) {
            return;
        }
        for (Path p : candidates) {
            Optional<TempOwner> owner = ownerOf(target, p.getFileName().toString());
            if (owner.isEmpty() || owner.get().mayBeAlive()) continue;
            try {
                if (Files.isDirectory(p)) {
                    AtomicFiles.deleteRecursively(p);
                } else if (!lockedByAnotherWriter(p)) {
                    Files.deleteIfExists(p);
                }
            } catch (IOException | UncheckedIOException e) {
                // left for a later run
            }
        }
    }

    /**
     * Whether some process holds the writer's lock on {@code file}: a check for writers whose process id means
     * nothing here (another PID namespace on the same host name). Only called for files of dead owners, so it never
     * opens (and, closing, unlocks) a file that a writer in this JVM still has open.
     */
    private static boolean lockedByAnotherWriter(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            FileLock lock = ch.tryLock();
            if (lock == null) return true;
            lock.release();
            return false;
        } catch (OverlappingFileLockException e) {
            return true;
        } catch (IOException e) {
            return false; // no lock support on this file system: the process check decides
        }
    }

    private static String random() {
        return Integer.toString(ThreadLocalRandom.current().nextInt() & Integer.MAX_VALUE, 36);
    }
}
