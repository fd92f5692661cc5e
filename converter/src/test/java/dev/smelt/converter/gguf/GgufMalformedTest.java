package dev.smelt.converter.gguf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smelt.core.SmeltException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GgufMalformedTest {
    @TempDir Path dir;
    byte[] good;

    @BeforeEach
    void writeGoodFile() throws Exception {
        Path f = dir.resolve("good.gguf");
        Map<String, GgufValue> meta = new LinkedHashMap<>();
        meta.put("general.architecture", GgufValue.of("llama"));
        meta.put("tokens", GgufValue.strings(List.of("a", "b", "c")));
        GgufWriter.write(f, meta, List.of(GgufTensor.ofFloats("w", new long[] {4, 2}, new float[8])));
        good = Files.readAllBytes(f);
    }

    private Path file(byte[] bytes) throws Exception {
        Path f = dir.resolve("bad.gguf");
        Files.write(f, bytes);
        return f;
    }

    @Test
    void badMagic() throws Exception {
        byte[] b = good.clone();
        b[0] = 'X';
        assertThatThrownBy(() -> GgufReader.open(file(b))).isInstanceOf(SmeltException.class)
                .hasMessageContaining("bad.gguf").hasMessageContaining("not a GGUF file").hasMessageContaining("magic");
        assertThatThrownBy(() -> GgufReader.open(file("{\"json\": true}".getBytes()))).isInstanceOf(SmeltException.class)
                .hasMessageContaining("not a GGUF file");
    }

    @Test
    void badVersion() throws Exception {
        byte[] b = good.clone();
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(4, 1);
        assertThatThrownBy(() -> GgufReader.open(file(b))).isInstanceOf(SmeltException.class)
                .hasMessageContaining("unsupported GGUF version 1 (expected 2 or 3)");
        ByteBuffer.wrap(b).order(ByteOrder.BIG_ENDIAN).putInt(4, 3);
        assertThatThrownBy(() -> GgufReader.open(file(b))).hasMessageContaining("big-endian");
    }

    @Test
    void truncatedAnywhereGivesAClearError() throws Exception {
        for (int len : new int[] {0, 3, 10, 30, 60, good.length / 2, good.length - 40, good.length - 1}) {
            byte[] b = Arrays.copyOf(good, len);
            assertThatThrownBy(() -> GgufReader.open(file(b))).as("length " + len).isInstanceOf(SmeltException.class)
                    .hasMessageContaining("bad.gguf").satisfies(e -> assertThat(e.getMessage())
                            .containsAnyOf("truncated", "not a GGUF file", "impossible"));
        }
    }

    @Test
    void absurdCountsAreRejectedBeforeAllocating() throws Exception {
        byte[] b = good.clone();
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(16, Long.MAX_VALUE);
        assertThatThrownBy(() -> GgufReader.open(file(b))).hasMessageContaining("metadata entries, impossible");
    }

    @Test
    void unknownValueAndTensorTypes() throws Exception {
        // first KV: key len (8) + "general.architecture" (20) then type at offset 24+28
        byte[] b = good.clone();
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(24 + 8 + 20, 99);
        assertThatThrownBy(() -> GgufReader.open(file(b))).hasMessageContaining("\"general.architecture\" has unknown value type 99");

        byte[] c = good.clone();
        int typePos = indexOf(c, "w".getBytes(), 40) + 1 + 4 + 16; // name, n_dims, 2 dims
        ByteBuffer.wrap(c).order(ByteOrder.LITTLE_ENDIAN).putInt(typePos, 5);
        assertThatThrownBy(() -> GgufReader.open(file(c))).hasMessageContaining("tensor \"w\" has unknown ggml type id 5");
    }

    @Test
    void misalignedOrOutOfRangeTensorOffset() throws Exception {
        byte[] c = good.clone();
        int offPos = indexOf(c, "w".getBytes(), 40) + 1 + 4 + 16 + 4;
        ByteBuffer.wrap(c).order(ByteOrder.LITTLE_ENDIAN).putLong(offPos, 8);
        assertThatThrownBy(() -> GgufReader.open(file(c))).hasMessageContaining("not a multiple of the alignment 32");
        ByteBuffer.wrap(c).order(ByteOrder.LITTLE_ENDIAN).putLong(offPos, 32 * 1000);
        assertThatThrownBy(() -> GgufReader.open(file(c))).hasMessageContaining("truncated: tensor \"w\"");
    }

    @Test
    void missingFile() {
        assertThatThrownBy(() -> GgufReader.open(dir.resolve("nope.gguf"))).isInstanceOf(SmeltException.class)
                .hasMessageContaining("no such file");
    }

    private static int indexOf(byte[] hay, byte[] needle, int from) {
        outer:
        for (int i = from; i <= hay.length - needle.length; i++) {
            // the tensor name is preceded by its u64 length
            if (hay[i - 8] != needle.length) continue;
            for (int j = 0; j < needle.length; j++) if (hay[i + j] != needle[j]) continue outer;
            return i;
        }
        throw new AssertionError("not found");
    }
}
