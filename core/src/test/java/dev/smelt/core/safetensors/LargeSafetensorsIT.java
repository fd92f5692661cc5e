package dev.smelt.core.safetensors;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Files and tensors past the 2 GiB mark: sharded write, index, windowed mapping. Writes ~3.6 GB to disk. */
class LargeSafetensorsIT {
    private static final long GIB = 1L << 30;

    @TempDir
    Path tmp;

    /** A U8 tensor whose byte i is pattern(seed, i), generated on the fly (never on the heap). */
    private static TensorSource patterned(String name, long size, int seed) {
        return new TensorSource() {
            public String name() { return name; }
            public DType dtype() { return DType.U8; }
            public long[] shape() { return new long[] {size}; }
            public void writeTo(WritableByteChannel out) throws IOException {
                ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
                for (long off = 0; off < size; ) {
                    buf.clear();
                    int n = (int) Math.min(buf.capacity(), size - off);
                    for (int i = 0; i < n; i++) buf.put(pattern(seed, off + i));
                    buf.flip();
                    while (buf.hasRemaining()) out.write(buf);
                    off += n;
                }
            }
        };
    }

    private static byte pattern(int seed, long i) {
        return (byte) ((i * 2654435761L >>> 7) + seed);
    }

    @Test
    void shardsLargerThan2GiBWriteIndexAndReadBack() throws IOException {
        long big = 1200L * 1024 * 1024; // two of these push shard 1 past 2 GiB
        List<TensorSource> tensors = List.of(
                patterned("a", big, 1), patterned("b", big, 2), patterned("c", 4096, 3), patterned("d", big, 4));
        List<Path> files = SafetensorsWriter.writeSharded(tmp, Map.of("format", "pt"), tensors, 2 * big + 4096);
        assertThat(files).hasSize(3);
        assertThat(Files.size(files.get(0))).isGreaterThan(2 * GIB);

        try (SafetensorsModel m = SafetensorsModel.open(tmp)) {
            assertThat(m.names()).containsExactly("a", "b", "c", "d");
            assertThat(m.file("b").path()).isEqualTo(files.get(0));
            assertThat(m.info("c").begin()).isGreaterThan(2 * GIB); // data past the 2 GiB file offset
            assertThat(m.file("d").path()).isEqualTo(files.get(1));
            int seed = 1;
            for (String name : m.names()) {
                SafetensorsFile f = m.file(name);
                long size = f.info(name).byteSize();
                // sample across every window, including the last byte
                for (long i = 0; i < size; i += Math.max(1, size / 997)) {
                    assertThat(f.window(name, i, 1).get(0)).as(name + "[" + i + "]").isEqualTo(pattern(seed, i));
                }
                assertThat(f.window(name, size - 1, 1).get(0)).isEqualTo(pattern(seed, size - 1));
                seed++;
            }
        }
    }

    @Test
    void tensorLargerThan2GiBIsReadInWindows() throws IOException {
        long size = 2 * GIB + 12345;
        Path file = tmp.resolve("huge.safetensors");
        SafetensorsWriter.write(file, Map.of(), List.of(patterned("huge", size, 9)));
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertThat(f.info("huge").byteSize()).isEqualTo(size);
            Assertions.assertThatThrownBy(() -> f.bytes("huge"))
                    .hasMessageContaining("read it in windows");
            long checked = 0;
            for (long off = 0; off < size; off += GIB) {
                ByteBuffer w = f.window("huge", off, Math.min(GIB, size - off));
                for (int i = 0; i < w.limit(); i += 4099) {
                    assertThat(w.get(i)).isEqualTo(pattern(9, off + i));
                    checked++;
                }
            }
            assertThat(checked).isGreaterThan(500_000);
            // byte-exact copy through TensorSource.copyOf, which streams window by window
            Path copy = tmp.resolve("copy.safetensors");
            SafetensorsWriter.write(copy, Map.of(), List.of(TensorSource.copyOf(f, "huge")));
            assertThat(Files.mismatch(file, copy)).isEqualTo(-1L);
        }
    }
}
