package dev.smelt.bundle.archive;

import dev.smelt.core.SmeltException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/** The archive formats a bundle can be written in, chosen by the output file's extension. */
public sealed interface ArchiveFormat permits TarFormat, ZipFormat {
    ArchiveFormat TAR_GZ = TarFormat.GZIP;
    ArchiveFormat TAR_ZST = TarFormat.ZSTD;
    ArchiveFormat ZIP = new ZipFormat();

    /** {@code .tar.gz}, {@code .tar.zst} or {@code .zip}. */
    String extension();

    /** The share of its bytes a tar.zst chunk must save to be compressed rather than stored, unless told otherwise. */
    double ZSTD_MIN_SAVING = 0.10;

    /** Starts an archive on {@code out} (written from its current position); entries get {@code mtime}. */
    default ArchiveWriter writer(FileChannel out, Instant mtime) throws IOException {
        return writer(out, mtime, ZSTD_MIN_SAVING);
    }

    /**
     * As {@link #writer(FileChannel, Instant)}; in a tar.zst, 4 MiB chunks whose trial compression saves less than
     * {@code zstdMinSaving} (0 to 1; 0 compresses everything) are stored. The other formats compress everything.
     */
    default ArchiveWriter writer(FileChannel out, Instant mtime, double zstdMinSaving) throws IOException {
        return writer(out, null, mtime, zstdMinSaving);
    }

    /**
     * As {@link #writer(FileChannel, Instant, double)}; {@code file} (nullable) is the file {@code out} writes, empty
     * when the archive starts: a tar archive then writes its full 1 MiB buffers to it with direct I/O where the file
     * system allows it (see {@code WriteBehindStream}).
     */
    ArchiveWriter writer(FileChannel out, Path file, Instant mtime, double zstdMinSaving) throws IOException;

    ArchiveReader reader(Path file) throws IOException;

    static List<ArchiveFormat> all() {
        return List.of(TAR_GZ, TAR_ZST, ZIP);
    }

    static boolean isArchive(Path file) {
        return all().stream().anyMatch(f -> name(file).endsWith(f.extension()));
    }

    static ArchiveFormat of(Path file) {
        String name = name(file);
        for (ArchiveFormat f : all()) {
            if (name.endsWith(f.extension())) return f;
        }
        throw new SmeltException(file + ": unknown archive type; expected a name ending in .tar.gz, .tar.zst or .zip");
    }

    private static String name(Path file) {
        Path n = file.getFileName();
        return n == null ? "" : n.toString().toLowerCase(Locale.ROOT);
    }
}
