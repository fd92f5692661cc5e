package dev.smelt.bundle.archive;

import com.github.luben.zstd.ZstdInputStream;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipParameters;

/**
 * POSIX tar (pax headers for long names and sizes over 8 GiB) under gzip or zstd. Both compressors are run so
 * that their bytes depend on the input only: gzip with mtime 0, no file name and OS "unknown"; zstd at level
 * {@value #ZSTD_LEVEL} with {@value #ZSTD_WORKERS_MIN}+ workers (libzstd's multi-threaded output does not depend on the
 * worker count, {@code ArchiveReproducibilityTest} checks 1 against 4) and no mid-stream flushes. Level 1, not 3:
 * model weights barely compress (fp16 shards come out at 92.7 % of their size at either level) and level 1
 * compresses them about twice as fast.
 */
enum TarFormat implements ArchiveFormat {
    GZIP(".tar.gz"),
    ZSTD(".tar.zst");

    static final int ZSTD_LEVEL = 1;
    static final int ZSTD_WORKERS_MIN = 1;
    private static final int BUFFER = 1 << 20;

    private final String extension;

    TarFormat(String extension) {
        this.extension = extension;
    }

    @Override
    public String extension() {
        return extension;
    }

    @Override
    public ArchiveWriter writer(FileChannel out, Path file, Instant mtime, double zstdMinSaving) throws IOException {
        return writer(out, file, mtime, Math.max(ZSTD_WORKERS_MIN, Math.min(4, Runtime.getRuntime().availableProcessors())),
                zstdMinSaving);
    }

    /**
     * As {@link #writer(FileChannel, Instant)} with an explicit zstd worker count (tests compare counts) and the
     * saving below which zstd chunks are stored (0: compress all).
     */
    ArchiveWriter writer(FileChannel out, Instant mtime, int zstdWorkers, double minSaving) throws IOException {
        return writer(out, null, mtime, zstdWorkers, minSaving);
    }

    private ArchiveWriter writer(FileChannel out, Path file, Instant mtime, int zstdWorkers, double minSaving)
            throws IOException {
        WriteBehindStream raw = new WriteBehindStream(out, file);
        OutputStream compressed = switch (this) {
            case GZIP -> {
                GzipParameters p = new GzipParameters();
                p.setModificationTime(0);
                p.setOperatingSystem(255);
                p.setCompressionLevel(6);
                yield new GzipCompressorOutputStream(raw, p);
            }
            case ZSTD -> new AdaptiveZstdStream(raw, ZSTD_LEVEL, Math.max(ZSTD_WORKERS_MIN, zstdWorkers), minSaving);
        };
        // entries' content goes straight into this buffer (1 MiB reads pass through it uncopied; the zstd stream
        // buffers whole chunks itself); only headers are made by commons-compress (TarStream)
        return new TarWriter(this == GZIP ? new BufferedOutputStream(compressed, BUFFER) : compressed, raw, mtime);
    }

    @Override
    public ArchiveReader reader(Path file) throws IOException {
        InputStream in = new BufferedInputStream(Files.newInputStream(file), BUFFER);
        try {
            InputStream decompressed = this == GZIP ? new GzipCompressorInputStream(in, true) : new ZstdInputStream(in);
            return new TarReader(new TarArchiveInputStream(decompressed, "UTF-8"));
        } catch (IOException | RuntimeException e) {
            in.close();
            throw e;
        }
    }

    private static final class TarWriter implements ArchiveWriter {
        private final TarStream tar;
        private final OutputStream out;
        private final WriteBehindStream raw;

        TarWriter(OutputStream out, WriteBehindStream raw, Instant mtime) {
            this.tar = new TarStream(out, mtime);
            this.out = out;
            this.raw = raw;
        }

        @Override
        public void add(ArchiveEntry entry) throws IOException {
            tar.add(entry);
        }

        @Override
        public void sync() throws IOException {
            raw.sync();
        }

        /** Ends the archive; the write-behind thread is stopped even when ending fails. */
        @Override
        public void close() throws IOException {
            try {
                tar.finish();
                out.close();
            } catch (IOException | RuntimeException | Error e) {
                try {
                    raw.close();
                } catch (IOException | RuntimeException s) {
                    e.addSuppressed(s);
                }
                throw e;
            }
            raw.close();
        }
    }

    private static final class TarReader implements ArchiveReader {
        private final TarArchiveInputStream tar;

        TarReader(TarArchiveInputStream tar) {
            this.tar = tar;
        }

        @Override
        public ReadEntry next() throws IOException {
            TarArchiveEntry e = tar.getNextEntry();
            if (e == null) return null;
            ReadEntry.Kind kind = e.isSymbolicLink() ? ReadEntry.Kind.SYMLINK
                    : e.isLink() ? ReadEntry.Kind.HARDLINK
                    : e.isDirectory() ? ReadEntry.Kind.DIRECTORY
                    : e.isFile() ? ReadEntry.Kind.FILE
                    : ReadEntry.Kind.OTHER;
            String target = kind == ReadEntry.Kind.SYMLINK || kind == ReadEntry.Kind.HARDLINK ? e.getLinkName() : null;
            return new ReadEntry(e.getName(), kind, e.getSize(), target);
        }

        @Override
        public InputStream content() {
            return Streams.uncloseable(tar);
        }

        @Override
        public void close() throws IOException {
            tar.close();
        }
    }
}
