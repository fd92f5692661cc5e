package dev.smelt.bundle.manifest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DigestingOutputStreamTest {
    @Test
    void passesBytesThroughAndHashesThemInOrder() throws Exception {
        byte[] data = new byte[3 << 20];
        new Random(5).nextBytes(data);
        ByteArrayOutputStream below = new ByteArrayOutputStream();
        DigestingOutputStream d = new DigestingOutputStream(below);
        int[] sizes = {1 << 20, 100, 70_000, 1, 65_536, 7};
        int off = 0;
        for (int i = 0; off < data.length; i++) {
            int n = Math.min(sizes[i % sizes.length], data.length - off);
            if (n == 1) d.write(data[off]);
            else d.write(data, off, n);
            off += n;
        }
        assertThat(d.count()).isEqualTo(data.length);
        assertThat(d.hex()).isEqualTo(HexFormat.of().formatHex(DigestingOutputStream.sha256().digest(data)));
        assertThat(below.toByteArray()).isEqualTo(data);
    }
}
