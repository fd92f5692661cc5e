package dev.smelt.core.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smelt.core.SmeltException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.assertj.core.data.Percentage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsTest {
    @TempDir
    Path tmp;

    /** One tensor of every supported dtype, with random bytes. */
    private static List<TensorSource> everyDtype() {
        Random r = new Random(7);
        List<TensorSource> out = new ArrayList<>();
        for (DType t : DType.values()) {
            long[] shape = {3, 5};
            byte[] data = new byte[(int) (15 * t.byteSize())];
            r.nextBytes(data);
            if (t == DType.BOOL) for (int i = 0; i < data.length; i++) data[i] = (byte) (data[i] & 1);
            out.add(TensorSource.of("t." + t.name().toLowerCase(), t, shape, ByteBuffer.wrap(data)));
        }
        out.add(TensorSource.of("scalar", DType.F32, new long[0], ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(0, 1.5f)));
        out.add(TensorSource.of("empty", DType.F16, new long[] {0, 4}, ByteBuffer.allocate(0)));
        return out;
    }

    @Test
    void roundTripIsByteIdentical() throws IOException {
        Path a = tmp.resolve("a.safetensors");
        Path b = tmp.resolve("b.safetensors");
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.put("note", "ünïcode ✓");
        SafetensorsWriter.write(a, meta, everyDtype());
        try (SafetensorsFile f = SafetensorsFile.open(a)) {
            assertThat(f.metadata()).isEqualTo(meta);
            assertThat(f.tensors()).hasSize(DType.values().length + 2);
            assertThat(f.info("t.bf16").dtype()).isEqualTo(DType.BF16);
            assertThat(f.floats("scalar")).containsExactly(1.5f);
            List<TensorSource> copies = f.tensors().keySet().stream().map(n -> TensorSource.copyOf(f, n)).toList();
            SafetensorsWriter.write(b, f.metadata(), copies);
        }
        assertThat(Files.readAllBytes(b)).isEqualTo(Files.readAllBytes(a));
    }

    @Test
    void headerIsPaddedTo8BytesWithSpaces() throws IOException {
        Path a = tmp.resolve("a.safetensors");
        SafetensorsWriter.write(a, Map.of(), List.of(TensorSource.ofFloats("x", new long[] {2}, new float[] {1, 2})));
        byte[] bytes = Files.readAllBytes(a);
        long len = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertThat(len % 8).isZero();
        String header = new String(bytes, 8, (int) len, StandardCharsets.UTF_8);
        assertThat(header).startsWith("{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}");
    }

    @Test
    void shardedWriteAndReadThroughIndex() throws IOException {
        List<TensorSource> tensors = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            float[] v = new float[256];
            for (int j = 0; j < v.length; j++) v[j] = i * 1000 + j;
            tensors.add(TensorSource.ofFloats("layers." + i + ".weight", new long[] {16, 16}, v));
        }
        List<Path> files = SafetensorsWriter.writeSharded(tmp, Map.of("format", "pt"), tensors, 3 * 1024);
        assertThat(files).extracting(p -> p.getFileName().toString()).containsExactly(
                "model-00001-of-00004.safetensors", "model-00002-of-00004.safetensors",
                "model-00003-of-00004.safetensors", "model-00004-of-00004.safetensors",
                "model.safetensors.index.json");
        assertThat(Files.readString(tmp.resolve("model.safetensors.index.json")))
                .contains("\"total_size\" : 10240").contains("\"layers.9.weight\" : \"model-00004-of-00004.safetensors\"");
        try (SafetensorsModel m = SafetensorsModel.open(tmp)) {
            assertThat(m.names()).hasSize(10);
            assertThat(m.floats("layers.7.weight")[3]).isEqualTo(7003f);
            assertThat(m.totalBytes()).isEqualTo(10240);
        }
    }

    @Test
    void singleShardIsWrittenWithoutIndex() throws IOException {
        SafetensorsWriter.writeSharded(tmp, Map.of(), List.of(TensorSource.ofFloats("x", new long[] {1}, new float[] {1})), 1 << 20);
        assertThat(tmp.resolve("model.safetensors")).exists();
        assertThat(tmp.resolve("model.safetensors.index.json")).doesNotExist();
    }

    @Test
    void indexNamingAMissingShardIsAnError() throws IOException {
        Files.writeString(tmp.resolve("model.safetensors.index.json"),
                "{\"metadata\":{},\"weight_map\":{\"x\":\"model-00001-of-00002.safetensors\"}}");
        assertThatThrownBy(() -> SafetensorsModel.open(tmp)).isInstanceOf(SmeltException.class)
                .hasMessageEndingWith("model.safetensors.index.json: shard model-00001-of-00002.safetensors is missing");
    }

    @Test
    void halfAndBf16Conversions() {
        float[] samples = {0f, -0f, 1f, -2.5f, 65504f, 6.1035156e-5f, 5.9604645e-8f, 3.14159f, 1e-3f};
        for (float f : samples) {
            assertThat(Floats.halfToFloat(Floats.floatToHalf(f))).isCloseTo(f, Percentage.withPercentage(0.1));
            assertThat(Floats.bf16ToFloat(Floats.floatToBf16(f))).isCloseTo(f, Percentage.withPercentage(0.8));
        }
        assertThat(Floats.floatToHalf(1f)).isEqualTo((short) 0x3c00);
        assertThat(Floats.floatToHalf(70000f)).isEqualTo((short) 0x7c00);
        assertThat(Floats.floatToHalf(5.9604645e-8f)).isEqualTo((short) 0x0001);
        assertThat(Floats.floatToBf16(1f)).isEqualTo((short) 0x3f80);
        assertThat(Floats.f8e4m3ToFloat((byte) 0x38)).isEqualTo(1f);
        assertThat(Floats.f8e4m3ToFloat((byte) 0x7e)).isEqualTo(448f);
        // every half value round-trips exactly through float
        for (int h = 0; h < 0x10000; h++) {
            if ((h & 0x7c00) == 0x7c00 && (h & 0x3ff) != 0) continue; // NaN payloads
            assertThat(Floats.floatToHalf(Floats.halfToFloat((short) h))).isEqualTo((short) h);
        }
    }
}
