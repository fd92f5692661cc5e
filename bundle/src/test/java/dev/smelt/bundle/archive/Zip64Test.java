package dev.smelt.bundle.archive;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Zip64 where the classic zip fields overflow: more than 65,535 entries, and one entry over 4 GiB. The big entry is
 * generated while it is written (each MiB holds its index, so deflate runs fast and the archive stays a few MiB) and
 * checked while it is read back, so neither side holds more than a buffer.
 */
class Zip64Test {
    private static final int ZIP64_EOCD = 0x06064b50;
    private static final int ZIP64_LOCATOR = 0x07064b50;
    private static final int EOCD = 0x06054b50;
    private static final int MIB = 1 << 20;

    @TempDir
    Path tmp;

    @Test
    void moreThan65535EntriesAreWrittenAsZip64AndReadBack() throws Exception {
        int count = 70_000;
        Path out = tmp.resolve("many.zip");
        try (FileChannel ch = open(out); ArchiveWriter w = ArchiveFormat.ZIP.writer(ch, Instant.EPOCH)) {
            for (int i = 0; i < count; i++) w.add(ArchiveEntry.of(String.format("f/%05d.txt", i), Integer.toString(i)));
        }
        Trailer t = trailer(out);
        assertThat(t.zip64()).as("zip64 end of central directory and its locator").isTrue();
        assertThat(t.classicEntries()).as("the classic record's entry count says 'see zip64'").isEqualTo(0xFFFF);
        assertThat(t.zip64Entries()).isEqualTo(count);
        try (ArchiveReader r = ArchiveFormat.ZIP.reader(out)) {
            int n = 0;
            for (ReadEntry e = r.next(); e != null; e = r.next(), n++) {
                assertThat(e.name()).isEqualTo(String.format("f/%05d.txt", n));
                assertThat(new String(r.content().readAllBytes())).isEqualTo(Integer.toString(n));
            }
            assertThat(n).isEqualTo(count);
        }
    }

    @Test
    void anEntryOver4GiBIsWrittenAsZip64AndReadBack() throws Exception {
        long size = (4L << 30) + 3 * MIB + 17; // past 0xFFFFFFFF, not a whole number of MiB
        Path out = tmp.resolve("big.zip");
        try (FileChannel ch = open(out); ArchiveWriter w = ArchiveFormat.ZIP.writer(ch, Instant.EPOCH)) {
            w.add(ArchiveEntry.of("a.txt", "before"));
            w.add(new ArchiveEntry("model/big.bin", size, sink -> generate(size, sink)));
            w.add(ArchiveEntry.of("z.txt", "after"));
        }
        assertThat(java.nio.file.Files.size(out)).as("streamed and deflated, not stored").isLessThan(64L * MIB);
        assertThat(trailer(out).zip64()).as("zip64 end of central directory (an offset or size overflows)").isTrue();
        try (ArchiveReader r = ArchiveFormat.ZIP.reader(out)) {
            assertThat(r.next().name()).isEqualTo("a.txt");
            assertThat(new String(r.content().readAllBytes())).isEqualTo("before");
            ReadEntry big = r.next();
            assertThat(big).isEqualTo(new ReadEntry("model/big.bin", ReadEntry.Kind.FILE, size, null));
            assertThat(check(r.content())).isEqualTo(size);
            ReadEntry last = r.next();
            assertThat(last.name()).isEqualTo("z.txt");
            assertThat(new String(r.content().readAllBytes())).isEqualTo("after");
            assertThat(r.next()).isNull();
        }
    }

    /** Byte i of the stream is (i / MiB) mod 251. */
    private static void generate(long size, OutputStream out) throws IOException {
        byte[] buf = new byte[MIB];
        for (long pos = 0, block = 0; pos < size; pos += MIB, block++) {
            Arrays.fill(buf, (byte) (block % 251));
            out.write(buf, 0, (int) Math.min(MIB, size - pos));
        }
    }

    /** Reads the stream back, failing at the first byte the generator did not write; returns the count. */
    private static long check(InputStream in) throws IOException {
        byte[] buf = new byte[MIB];
        long pos = 0;
        for (int n; (n = in.read(buf)) > 0; ) {
            for (int i = 0; i < n; i++, pos++) {
                if (buf[i] != (byte) (pos / MIB % 251)) throw new AssertionError("byte " + pos + " differs");
            }
        }
        return pos;
    }

    private record Trailer(boolean zip64, int classicEntries, long zip64Entries) {}

    /** The end-of-central-directory records at the archive's tail (no comment is written). */
    private static Trailer trailer(Path zip) throws IOException {
        try (FileChannel ch = FileChannel.open(zip, StandardOpenOption.READ)) {
            int tail = (int) Math.min(ch.size(), 22 + 20 + 56);
            ByteBuffer b = ByteBuffer.allocate(tail).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(b, ch.size() - tail);
            int eocd = tail - 22;
            assertThat(b.getInt(eocd)).as("end of central directory signature").isEqualTo(EOCD);
            int classic = Short.toUnsignedInt(b.getShort(eocd + 10));
            boolean zip64 = tail == 98 && b.getInt(eocd - 20) == ZIP64_LOCATOR && b.getInt(0) == ZIP64_EOCD;
            return new Trailer(zip64, classic, zip64 ? b.getLong(32) : -1);
        }
    }

    private static FileChannel open(Path p) throws IOException {
        return FileChannel.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.READ);
    }
}
