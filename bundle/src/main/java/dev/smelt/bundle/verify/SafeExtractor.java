package dev.smelt.bundle.verify;

import dev.smelt.bundle.archive.ArchiveFormat;
import dev.smelt.bundle.archive.ArchiveReader;
import dev.smelt.bundle.archive.EntryPaths;
import dev.smelt.bundle.archive.ReadEntry;
import dev.smelt.core.SmeltException;
import dev.smelt.core.io.AtomicFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Unpacks an archive into a fresh directory built beside the target and renamed into place once every entry passed.
 * Refused: absolute names, {@code ..}, symbolic links whose target leaves the directory, hard links to anything but
 * an already-extracted file, devices and FIFOs, and any write through a link. A refusal removes the partial
 * directory, so nothing is left anywhere.
 */
public final class SafeExtractor {
    private SafeExtractor() {}

    public static void extract(Path archive, Path target) throws IOException {
        if (!Files.isRegularFile(archive)) throw new SmeltException(archive + ": no such file");
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new SmeltException("--out " + target + " already exists; extract into a new directory");
        }
        ArchiveFormat format = ArchiveFormat.of(archive);
        AtomicFiles.writeDirectory(target, dir -> {
            Path root = dir.toRealPath();
            try (ArchiveReader r = format.reader(archive)) {
                ReadEntry e;
                while ((e = r.next()) != null) unpack(archive, root, e, r);
            }
        });
    }

    private static void unpack(Path archive, Path root, ReadEntry e, ArchiveReader r) throws IOException {
        String problem = EntryPaths.problem(e.name());
        if (problem != null) throw refuse(archive, e, problem);
        Path dest = root.resolve(e.name()).normalize();
        if (!dest.startsWith(root)) throw refuse(archive, e, "path leaves the target directory");
        switch (e.kind()) {
            case DIRECTORY -> checkedParent(archive, root, e, dest.resolve("child")); // creates dest itself
            case FILE -> {
                Path parent = checkedParent(archive, root, e, dest);
                try (InputStream in = r.content();
                        OutputStream out = Files.newOutputStream(parent.resolve(dest.getFileName()),
                                StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
                    in.transferTo(out);
                }
            }
            case SYMLINK -> {
                String t = e.linkTarget();
                if (t == null || t.isEmpty() || t.startsWith("/") || t.startsWith("\\") || t.matches("^[A-Za-z]:.*")) {
                    throw refuse(archive, e, "symbolic link to absolute path '" + t + "'");
                }
                Path resolved = dest.getParent().resolve(t).normalize();
                if (!resolved.startsWith(root)) throw refuse(archive, e, "symbolic link to '" + t + "' leaves the target directory");
                Files.createSymbolicLink(checkedParent(archive, root, e, dest).resolve(dest.getFileName()), Path.of(t));
            }
            case HARDLINK -> {
                String t = e.linkTarget();
                String p = EntryPaths.problem(t);
                if (p != null) throw refuse(archive, e, "hard link to '" + t + "': " + p);
                Path source = root.resolve(t).normalize();
                if (!source.startsWith(root) || !Files.isRegularFile(source, LinkOption.NOFOLLOW_LINKS)) {
                    throw refuse(archive, e, "hard link to '" + t + "', which is not a file extracted before it");
                }
                Files.copy(source, checkedParent(archive, root, e, dest).resolve(dest.getFileName()));
            }
            case OTHER -> throw refuse(archive, e, "special file (device, FIFO or unknown type)");
        }
    }

    /** Creates the parent directories and checks that, with links resolved, they are still inside the root. */
    private static Path checkedParent(Path archive, Path root, ReadEntry e, Path dest) throws IOException {
        Path parent = dest.getParent();
        for (Path p = parent; p != null && p.startsWith(root) && !p.equals(root); p = p.getParent()) {
            if (Files.isSymbolicLink(p)) throw refuse(archive, e, "path goes through the symbolic link " + root.relativize(p));
        }
        Files.createDirectories(parent);
        Path real = parent.toRealPath();
        if (!real.startsWith(root)) throw refuse(archive, e, "path leaves the target directory through a link");
        return real;
    }

    private static SmeltException refuse(Path archive, ReadEntry e, String why) {
        return new SmeltException(archive + ": refused entry \"" + e.name() + "\": " + why + "; nothing was extracted");
    }
}
