package dev.smelt.converter.hf;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smelt.converter.gguf.GgufReader;
import dev.smelt.converter.gguf.GgufTensorInfo;
import dev.smelt.converter.gguf.GgufValue;
import dev.smelt.converter.gguf.GgufValueType;
import dev.smelt.core.safetensors.DType;
import dev.smelt.testkit.interop.InteropTool;
import dev.smelt.testkit.interop.LlamaCppHarness;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** GgufReader on a file whose header was written by an independent implementation (@huggingface/gguf). */
class ForeignWriterInteropIT {
    @RegisterExtension static final InteropTool<LlamaCppHarness> LLAMA = InteropTool.llamaCpp();
    @TempDir Path tmp;

    @Test
    void readsHeadersWrittenByHuggingFaceGguf() throws Exception {
        LlamaCppHarness h = LLAMA.get();
        Path dir = TinyHfModels.write(tmp.resolve("m"), "qwen3", DType.BF16, 9);
        Path ours = tmp.resolve("ours.gguf");
        GgufExport.export(dir, ours, GgufExport.Options.of(OutputType.F16), new GgufExport.Listener() {});
        Path theirs = tmp.resolve("theirs.gguf");
        h.rewriteMetadata(ours, theirs, """
                {"general.name": {"type": 8, "value": "renamed \u00e9"}, "t.u8": {"type": 0, "value": 255},
                 "t.i8": {"type": 1, "value": -5}, "t.u16": {"type": 2, "value": 65535}, "t.i16": {"type": 3, "value": -300},
                 "t.u32": {"type": 4, "value": 4000000000}, "t.i32": {"type": 5, "value": -7}, "t.f32": {"type": 6, "value": 0.5},
                 "t.bool": {"type": 7, "value": true}, "t.u64": {"type": 10, "value": "18446744073709551615"},
                 "t.i64": {"type": 11, "value": "-9007199254740993"}, "t.f64": {"type": 12, "value": 0.1},
                 "t.arr": {"type": 9, "sub_type": 5, "value": [1, -2, 3]}, "t.sarr": {"type": 9, "sub_type": 8, "value": ["a", "bc"]},
                 "general.license": null}""");
        try (GgufReader a = GgufReader.open(ours); GgufReader b = GgufReader.open(theirs)) {
            assertThat(b.metadata().get("general.name")).isEqualTo(GgufValue.of("renamed é"));
            assertThat(b.metadata()).doesNotContainKey("general.license");
            assertThat(b.metadata().get("t.u8")).isEqualTo(new GgufValue.UInt8(255));
            assertThat(b.metadata().get("t.i8")).isEqualTo(new GgufValue.Int8((byte) -5));
            assertThat(b.metadata().get("t.u16")).isEqualTo(new GgufValue.UInt16(65535));
            assertThat(b.metadata().get("t.i16")).isEqualTo(new GgufValue.Int16((short) -300));
            assertThat(b.metadata().get("t.u32")).isEqualTo(new GgufValue.UInt32(4_000_000_000L));
            assertThat(b.metadata().get("t.i32")).isEqualTo(new GgufValue.Int32(-7));
            assertThat(b.metadata().get("t.f32")).isEqualTo(new GgufValue.Float32(0.5f));
            assertThat(b.metadata().get("t.bool")).isEqualTo(new GgufValue.Bool(true));
            assertThat(b.metadata().get("t.u64")).isEqualTo(new GgufValue.UInt64(-1L));
            assertThat(b.metadata().get("t.i64")).isEqualTo(new GgufValue.Int64(-9007199254740993L));
            assertThat(b.metadata().get("t.f64")).isEqualTo(new GgufValue.Float64(0.1));
            assertThat(b.metadata().get("t.arr")).isEqualTo(GgufValue.int32s(new int[] {1, -2, 3}));
            assertThat(b.metadata().get("t.sarr")).isEqualTo(new GgufValue.Array(GgufValueType.STRING,
                    List.of(GgufValue.of("a"), GgufValue.of("bc"))));
            assertThat(b.metadata().get("tokenizer.ggml.tokens")).isEqualTo(a.metadata().get("tokenizer.ggml.tokens"));
            assertThat(b.tensors()).hasSameSizeAs(a.tensors());
            for (GgufTensorInfo t : a.tensors()) {
                assertThat(b.tensor(t.name()).dims()).containsExactly(t.dims());
                assertThat(b.bytes(t.name())).as(t.name()).isEqualTo(a.bytes(t.name()));
            }
        }
        assertThat(h.generate(theirs, new int[] {1, 2, 3}, 4, 0).tokens()).hasSize(4);
    }
}
