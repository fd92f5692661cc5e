package dev.smelt.bundle.archive;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link TarStream} writes byte for byte what commons-compress's tar stream writes for the same entries. */
class TarStreamTest {
    private static final Instant MTIME = Instant.parse("2026-01-02T03:04:05Z");

    private static List<ArchiveEntry> entries() {
        Random r = new Random(3);
        List<ArchiveEntry> out = new ArrayList<>();
        int[] sizes = {0, 1, 511, 512, 513, 1024, (1 << 20) + 3, 3 << 20};
        for (int i = 0; i < sizes.length; i++) {
            byte[] b = new byte[sizes[i]];
            r.nextBytes(b);
            out.add(ArchiveEntry.of("model/file-" + i + ".bin", b));
        }
        out.add(ArchiveEntry.of("gguf/" + "a-very-long-directory-name/".repeat(6) + "model-Q4_K_M.gguf", "long name"));
        out.add(ArchiveEntry.of("metrics/Ünïcödé-名前.json", "{}"));
        out.add(ArchiveEntry.of("x".repeat(99) + "/y", "boundary"));
        return out;
    }

    @Test
    void sameBytesAsCommonsCompress() throws Exception {
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        TarArchiveOutputStream tar = TarStream.configured(expected);
        for (ArchiveEntry e : entries()) {
            tar.putArchiveEntry(TarStream.entry(e.path(), e.size(), MTIME));
            e.content().writeTo(tar);
            tar.closeArchiveEntry();
        }
        tar.finish();
        tar.close();

        ByteArrayOutputStream actual = new ByteArrayOutputStream();
        TarStream ours = new TarStream(actual, MTIME);
        for (ArchiveEntry e : entries()) ours.add(e);
        ours.finish();
        assertThat(actual.toByteArray()).isEqualTo(expected.toByteArray());
    }

    /** The write-behind stream delivers every byte in order, in writes of any size, and hands failures back. */
    @Test
    void writeBehindKeepsEveryByteInOrder(@TempDir Path dir) throws Exception {
        Random r = new Random(5);
        byte[] all = new byte[70 << 20];
        r.nextBytes(all);
        Path f = dir.resolve("out.bin");
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            WriteBehindStream w = new WriteBehindStream(ch);
            int at = 0;
            while (at < all.length) {
                int n = Math.min(all.length - at, r.nextInt(3) == 0 ? 1 : r.nextInt(3 << 20));
                if (n == 1) w.write(all[at]);
                else w.write(all, at, n);
                at += n;
            }
            w.close();
            w.close();
        }
        assertThat(Files.readAllBytes(f)).isEqualTo(all);
    }
}
