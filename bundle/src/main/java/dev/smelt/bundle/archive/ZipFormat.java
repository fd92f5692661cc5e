package dev.smelt.bundle.archive;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Enumeration;
import java.util.TimeZone;
import java.util.zip.Deflater;
import org.apache.commons.compress.archivers.zip.Zip64Mode;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;
import org.apache.commons.compress.archivers.zip.ZipFile;

/**
 * Zip with deflate (level 6), zip64 records only for entries and archives that need them, UTF-8 names, Unix mode
 * 0644 and a DOS timestamp that reads as the bundle's UTC mtime whatever the writer's time zone. Written to a
 * seekable channel, so sizes and CRCs sit in the local headers (no data descriptors).
 */
final class ZipFormat implements ArchiveFormat {
    private static final int REGULAR_FILE = 0100000;

    @Override
    public String extension() {
        return ".zip";
    }

    @Override
    public ArchiveWriter writer(FileChannel out, Path file, Instant mtime, double zstdMinSaving) throws IOException {
        ZipArchiveOutputStream zip = new ZipArchiveOutputStream(new UncloseableChannel(out));
        zip.setEncoding(StandardCharsets.UTF_8.name());
        zip.setUseLanguageEncodingFlag(true);
        zip.setCreateUnicodeExtraFields(ZipArchiveOutputStream.UnicodeExtraFieldPolicy.NEVER);
        zip.setUseZip64(Zip64Mode.AsNeeded);
        zip.setMethod(ZipArchiveEntry.DEFLATED);
        zip.setLevel(Deflater.DEFAULT_COMPRESSION);
        return new ZipWriter(zip, out, dosLocalMillis(mtime));
    }

    /**
     * Zip stores local wall-clock fields, converted with the JVM's default zone; shifting by that zone's offset
     * makes the stored fields the UTC time on every machine.
     */
    private static long dosLocalMillis(Instant mtime) {
        long utc = Math.max(mtime.toEpochMilli(), 315_532_800_000L); // DOS time starts 1980-01-01
        utc -= utc % 2000;                                          // and counts in 2 s steps
        return utc - TimeZone.getDefault().getOffset(utc);
    }

    @Override
    public ArchiveReader reader(Path file) throws IOException {
        ZipFile zip = ZipFile.builder().setPath(file).get();
        return new ZipReader(zip);
    }

    private static final class ZipWriter implements ArchiveWriter {
        private final ZipArchiveOutputStream zip;
        private final FileChannel out;
        private final long time;

        ZipWriter(ZipArchiveOutputStream zip, FileChannel out, long time) {
            this.zip = zip;
            this.out = out;
            this.time = time;
        }

        @Override
        public void add(ArchiveEntry entry) throws IOException {
            ZipArchiveEntry e = new ZipArchiveEntry(entry.path());
            e.setSize(entry.size());
            e.setTime(time);
            e.setUnixMode(REGULAR_FILE | 0644);
            zip.putArchiveEntry(e);
            Streams.writeExactly(entry, zip);
            zip.closeArchiveEntry();
        }

        /** Between entries the zip stream holds nothing back: every byte so far is in the channel. */
        @Override
        public void sync() throws IOException {
            out.force(false);
        }

        @Override
        public void close() throws IOException {
            zip.finish();
            zip.close();
        }
    }

    private static final class ZipReader implements ArchiveReader {
        private final ZipFile zip;
        private final Enumeration<ZipArchiveEntry> entries;
        private ZipArchiveEntry current;
        private InputStream open;

        ZipReader(ZipFile zip) {
            this.zip = zip;
            this.entries = zip.getEntries();
        }

        @Override
        public ReadEntry next() throws IOException {
            closeOpen();
            if (!entries.hasMoreElements()) return null;
            current = entries.nextElement();
            if (current.isUnixSymlink()) {
                return new ReadEntry(current.getName(), ReadEntry.Kind.SYMLINK, current.getSize(), zip.getUnixSymlink(current));
            }
            ReadEntry.Kind kind = current.isDirectory() ? ReadEntry.Kind.DIRECTORY : ReadEntry.Kind.FILE;
            return new ReadEntry(current.getName(), kind, current.getSize(), null);
        }

        @Override
        public InputStream content() throws IOException {
            closeOpen();
            open = zip.getInputStream(current);
            return open;
        }

        private void closeOpen() throws IOException {
            if (open != null) {
                open.close();
                open = null;
            }
        }

        @Override
        public void close() throws IOException {
            closeOpen();
            zip.close();
        }
    }

    /** The zip stream closes its channel; the atomic writer owns it and still has to fsync it. */
    private record UncloseableChannel(FileChannel ch) implements SeekableByteChannel {
        public int read(ByteBuffer dst) throws IOException { return ch.read(dst); }
        public int write(ByteBuffer src) throws IOException { return ch.write(src); }
        public long position() throws IOException { return ch.position(); }
        public SeekableByteChannel position(long p) throws IOException { ch.position(p); return this; }
        public long size() throws IOException { return ch.size(); }
        public SeekableByteChannel truncate(long size) throws IOException { ch.truncate(size); return this; }
        public boolean isOpen() { return ch.isOpen(); }
        public void close() {}
    }
}
