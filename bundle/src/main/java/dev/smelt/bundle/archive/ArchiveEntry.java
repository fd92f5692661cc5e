package dev.smelt.bundle.archive;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** One regular file to write: its path inside the archive ({@code /}-separated, relative), size and bytes. */
public record ArchiveEntry(String path, long size, EntryContent content) {
    public ArchiveEntry {
        EntryPaths.requireSafe(path);
        if (size < 0) throw new IllegalArgumentException("negative size for " + path);
    }

    public static ArchiveEntry of(String path, byte[] bytes) {
        byte[] copy = bytes.clone();
        return new ArchiveEntry(path, copy.length, out -> out.write(copy));
    }

    public static ArchiveEntry of(String path, String text) {
        return of(path, text.getBytes(StandardCharsets.UTF_8));
    }

    /** A file copied as it is, streamed. */
    public static ArchiveEntry copyOf(String path, Path file) throws IOException {
        long size = Files.size(file);
        return new ArchiveEntry(path, size, out -> FileRegion.copy(file, 0, size, out));
    }
}
