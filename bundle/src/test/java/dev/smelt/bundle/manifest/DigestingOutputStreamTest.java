package dev.smelt.bundle.manifest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

class DigestingOutputStreamTest {
    @Test
    void hashesInOrderOnTheHasherThreadWhileTheCallerReusesItsBuffer() throws Exception {
        byte[] data = new byte[9 << 20];
        new Random(5).nextBytes(data);
        int[] sizes = {1 << 20, 100, 70_000, 1, 65_536, 3 << 20, 7};
        ExecutorService hasher = Executors.newSingleThreadExecutor();
        try {
            ByteArrayOutputStream below = new ByteArrayOutputStream();
            DigestingOutputStream d = new DigestingOutputStream(below, hasher);
            byte[] callerBuffer = new byte[3 << 20];
            int off = 0;
            for (int i = 0; off < data.length; i++) {
                int n = Math.min(sizes[i % sizes.length], data.length - off);
                System.arraycopy(data, off, callerBuffer, 0, n);
                if (n == 1) d.write(callerBuffer[0]);
                else d.write(callerBuffer, 0, n);
                Arrays.fill(callerBuffer, (byte) 0x5A); // the caller reuses its buffer at once
                off += n;
            }
            assertThat(d.count()).isEqualTo(data.length);
            assertThat(d.hex()).isEqualTo(HexFormat.of().formatHex(DigestingOutputStream.sha256().digest(data)));
            assertThat(below.toByteArray()).isEqualTo(data);
        } finally {
            hasher.shutdownNow();
        }
    }
}
