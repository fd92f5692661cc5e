package dev.smelt.converter.gguf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smelt.converter.gguf.vocab.GgufKeys;
import dev.smelt.core.SmeltException;
import dev.smelt.core.safetensors.Floats;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GgufRoundTripTest {
    @TempDir Path dir;

    static Map<String, GgufValue> everyValueType() {
        Map<String, GgufValue> m = new LinkedHashMap<>();
        m.put("general.architecture", GgufValue.of("llama"));
        m.put("t.u8", new GgufValue.UInt8(255));
        m.put("t.i8", new GgufValue.Int8((byte) -128));
        m.put("t.u16", new GgufValue.UInt16(65535));
        m.put("t.i16", new GgufValue.Int16((short) -32768));
        m.put("t.u32", new GgufValue.UInt32(4294967295L));
        m.put("t.i32", new GgufValue.Int32(Integer.MIN_VALUE));
        m.put("t.f32", new GgufValue.Float32(1.5e-6f));
        m.put("t.bool_true", new GgufValue.Bool(true));
        m.put("t.bool_false", new GgufValue.Bool(false));
        m.put("t.str", GgufValue.of("héllo \u4e16\u754c 🦙"));
        m.put("t.empty_str", GgufValue.of(""));
        m.put("t.u64", new GgufValue.UInt64(-1L));
        m.put("t.i64", new GgufValue.Int64(Long.MIN_VALUE));
        m.put("t.f64", new GgufValue.Float64(Math.PI));
        m.put("t.arr_str", GgufValue.strings(List.of("a", "Ġb", "")));
        m.put("t.arr_i32", GgufValue.int32s(new int[] {1, -2, 3}));
        m.put("t.arr_f32", GgufValue.float32s(new float[] {0.25f, -1f}));
        m.put("t.arr_empty", new GgufValue.Array(GgufValueType.UINT8, List.of()));
        m.put("t.arr_nested", new GgufValue.Array(GgufValueType.ARRAY, List.of(
                GgufValue.int32s(new int[] {7, 8}),
                GgufValue.strings(List.of("x")),
                new GgufValue.Array(GgufValueType.ARRAY, List.of(new GgufValue.Array(GgufValueType.BOOL,
                        List.of(new GgufValue.Bool(true))))))));
        return m;
    }

    /** header() + the data region of a written file is that file again, and a changed header still finds every tensor. */
    @Test
    void headerAloneRewritesMetadataAheadOfTheUnchangedDataRegion() throws Exception {
        Path f = dir.resolve("h.gguf");
        Map<String, GgufValue> meta = new LinkedHashMap<>(everyValueType());
        meta.put(GgufKeys.General.ALIGNMENT, GgufValue.u32(64));
        GgufWriter.write(f, meta, List.of(GgufTensor.ofFloats("a", new long[] {3}, new float[] {1, 2, 3}),
                GgufTensor.ofFloats("b", new long[] {2, 2}, new float[] {4, 5, 6, 7})));
        byte[] file = Files.readAllBytes(f);
        Map<String, GgufValue> changed;
        List<GgufTensorInfo> infos;
        long dataStart;
        try (GgufReader r = GgufReader.open(f)) {
            byte[] same = GgufWriter.header(r.metadata(), r.tensors());
            assertThat(same).hasSize((int) r.dataStart()).isEqualTo(java.util.Arrays.copyOf(file, same.length));
            changed = new LinkedHashMap<>(r.metadata());
            infos = r.tensors();
            dataStart = r.dataStart();
        }
        changed.put(GgufKeys.General.LICENSE, GgufValue.of("a much longer licence value than before"));
        Path g = dir.resolve("g.gguf");
        byte[] header = GgufWriter.header(changed, infos);
        Files.write(g, header);
        Files.write(g, java.util.Arrays.copyOfRange(file, (int) dataStart, file.length), java.nio.file.StandardOpenOption.APPEND);
        try (GgufReader r = GgufReader.open(g)) {
            assertThat(r.string(GgufKeys.General.LICENSE)).contains("a much longer licence value than before");
            assertThat(r.floats("b")).containsExactly(4, 5, 6, 7);
            assertThat(r.floats("a")).containsExactly(1, 2, 3);
        }
    }

    @Test
    void everyValueTypeRoundTrips() throws Exception {
        Path f = dir.resolve("m.gguf");
        Map<String, GgufValue> meta = everyValueType();
        GgufWriter.write(f, meta, List.of());
        try (GgufReader r = GgufReader.open(f)) {
            assertThat(r.version()).isEqualTo(3);
            assertThat(r.metadata()).containsExactlyEntriesOf(meta);
            assertThat(r.tensors()).isEmpty();
            assertThat(r.architecture()).isEqualTo("llama");
            assertThat(r.integer("t.u32")).contains(4294967295L);
        }
    }

    @Test
    void tensorsRoundTripAtAlignedOffsets() throws Exception {
        Path f = dir.resolve("t.gguf");
        float[] a = {1, 2, 3};
        float[] b = new float[2 * 5];
        for (int i = 0; i < b.length; i++) b[i] = i * 0.5f;
        ByteBuffer h = ByteBuffer.allocate(2 * 7).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 7; i++) h.putShort(Floats.floatToHalf(i - 3));
        h.flip();
        Map<String, GgufValue> meta = new LinkedHashMap<>();
        meta.put("general.architecture", GgufValue.of("test"));
        GgufWriter.write(f, meta, List.of(
                GgufTensor.ofFloats("a", new long[] {3}, a),
                GgufTensor.ofFloats("b", new long[] {5, 2}, b),
                GgufTensor.of("h", new long[] {7}, GgmlType.F16, h)));
        try (GgufReader r = GgufReader.open(f)) {
            assertThat(r.alignment()).isEqualTo(32);
            assertThat(r.dataStart() % 32).isZero();
            assertThat(r.tensors()).extracting(GgufTensorInfo::name).containsExactly("a", "b", "h");
            for (GgufTensorInfo t : r.tensors()) assertThat(t.offset() % 32).as(t.name()).isZero();
            assertThat(r.tensor("b").dims()).containsExactly(5, 2);
            assertThat(r.tensor("b").torchShape()).containsExactly(2, 5);
            assertThat(r.floats("a")).containsExactly(a);
            assertThat(r.floats("b")).containsExactly(b);
            assertThat(r.floats("h")).containsExactly(-3, -2, -1, 0, 1, 2, 3);
            // data section padded after every tensor: file ends on an alignment boundary
            assertThat((Files.size(f) - r.dataStart()) % 32).isZero();
        }
    }

    @Test
    void customAlignmentIsHonoured() throws Exception {
        Path f = dir.resolve("a.gguf");
        Map<String, GgufValue> meta = new LinkedHashMap<>();
        meta.put(GgufKeys.General.ALIGNMENT, GgufValue.u32(64));
        GgufWriter.write(f, meta, List.of(GgufTensor.ofFloats("x", new long[] {1}, new float[] {1}),
                GgufTensor.ofFloats("y", new long[] {1}, new float[] {2})));
        try (GgufReader r = GgufReader.open(f)) {
            assertThat(r.alignment()).isEqualTo(64);
            assertThat(r.dataStart() % 64).isZero();
            assertThat(r.tensor("y").offset()).isEqualTo(64);
            assertThat(r.floats("y")).containsExactly(2);
        }
    }

    @Test
    void alignmentMustBeAPowerOfTwoU32() {
        Map<String, GgufValue> meta = new LinkedHashMap<>();
        meta.put(GgufKeys.General.ALIGNMENT, GgufValue.u32(24));
        assertThatThrownBy(() -> GgufWriter.write(dir.resolve("x.gguf"), meta, List.of()))
                .isInstanceOf(SmeltException.class).hasMessageContaining("power of two");
        meta.put(GgufKeys.General.ALIGNMENT, GgufValue.i32(32));
        assertThatThrownBy(() -> GgufWriter.write(dir.resolve("x.gguf"), meta, List.of()))
                .isInstanceOf(SmeltException.class).hasMessageContaining("uint32");
        assertThat(dir.resolve("x.gguf")).doesNotExist();
    }

    @Test
    void headerBytesFollowTheSpec() {
        Map<String, GgufValue> meta = new LinkedHashMap<>();
        meta.put("k", GgufValue.u32(7));
        byte[] h = GgufWriter.encodeHeader(meta, List.of(GgufTensor.ofFloats("w", new long[] {2, 3}, new float[6])),
                new long[] {0}, 32);
        ByteBuffer b = ByteBuffer.wrap(h).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(new String(h, 0, 4, StandardCharsets.US_ASCII)).isEqualTo("GGUF");
        b.position(4);
        assertThat(b.getInt()).isEqualTo(3);
        assertThat(b.getLong()).isEqualTo(1); // tensors
        assertThat(b.getLong()).isEqualTo(1); // kvs
        assertThat(b.getLong()).isEqualTo(1); // key length
        assertThat(b.get()).isEqualTo((byte) 'k');
        assertThat(b.getInt()).isEqualTo(4); // UINT32
        assertThat(b.getInt()).isEqualTo(7);
        assertThat(b.getLong()).isEqualTo(1);
        assertThat(b.get()).isEqualTo((byte) 'w');
        assertThat(b.getInt()).isEqualTo(2); // n_dims
        assertThat(b.getLong()).isEqualTo(2);
        assertThat(b.getLong()).isEqualTo(3);
        assertThat(b.getInt()).isEqualTo(0); // F32
        assertThat(b.getLong()).isEqualTo(0); // offset
        assertThat(h.length % 32).isZero();
        for (int i = b.position(); i < h.length; i++) assertThat(h[i]).isZero();
    }

    @Test
    void writerRejectsSourcesThatLieAboutTheirSize() {
        GgufTensor shortOne = GgufTensor.of("s", new long[] {4}, GgmlType.F32, ByteBuffer.allocate(12));
        assertThatThrownBy(() -> GgufWriter.write(dir.resolve("s.gguf"), Map.of(), List.of(shortOne)))
                .isInstanceOf(SmeltException.class).hasMessageContaining("\"s\"").hasMessageContaining("expected 16");
        GgufTensor longOne = GgufTensor.of("l", new long[] {1}, GgmlType.F32, ByteBuffer.allocate(8));
        assertThatThrownBy(() -> GgufWriter.write(dir.resolve("s.gguf"), Map.of(), List.of(longOne)))
                .isInstanceOf(SmeltException.class).hasMessageContaining("more than the declared 4 bytes");
        assertThat(dir.resolve("s.gguf")).doesNotExist();
        try (var s = Files.list(dir)) {
            assertThat(s.toList()).as("no temp files left").isEmpty();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void writerValidatesTensorInfos() {
        GgufTensor dup = GgufTensor.ofFloats("x", new long[] {1}, new float[1]);
        assertThatThrownBy(() -> GgufWriter.write(dir.resolve("d.gguf"), Map.of(), List.of(dup, dup)))
                .hasMessageContaining("duplicate tensor name \"x\"");
        GgufTensor longName = GgufTensor.ofFloats("n".repeat(64), new long[] {1}, new float[1]);
        assertThatThrownBy(() -> GgufWriter.write(dir.resolve("d.gguf"), Map.of(), List.of(longName)))
                .hasMessageContaining("64 bytes");
        GgufTensor q = GgufTensor.of("q", new long[] {16}, GgmlType.Q8_0, ByteBuffer.allocate(0));
        assertThatThrownBy(() -> GgufWriter.write(dir.resolve("d.gguf"), Map.of(), List.of(q)))
                .hasMessageContaining("not a multiple of the Q8_0 block size 32");
        GgufTensor five = GgufTensor.ofFloats("f", new long[] {1, 1, 1, 1, 1}, new float[1]);
        assertThatThrownBy(() -> GgufWriter.write(dir.resolve("d.gguf"), Map.of(), List.of(five)))
                .hasMessageContaining("5 dims");
    }

    @Test
    void ggmlTypeTableSizes() {
        assertThat(GgmlType.Q4_K.byteSize(512)).isEqualTo(288);
        assertThat(GgmlType.Q8_0.byteSize(64)).isEqualTo(68);
        assertThat(GgmlType.Q6_K.bitsPerWeight()).isEqualTo(6.5625);
        assertThat(GgmlType.BF16.id()).isEqualTo(30);
        assertThat(GgmlType.ofId(14)).isEqualTo(GgmlType.Q6_K);
        assertThatThrownBy(() -> GgmlType.ofId(4)).isInstanceOf(SmeltException.class).hasMessageContaining("4");
        assertThatThrownBy(() -> GgmlType.Q4_0.byteSize(33)).isInstanceOf(IllegalArgumentException.class);
    }
}
