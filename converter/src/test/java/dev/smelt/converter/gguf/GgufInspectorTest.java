package dev.smelt.converter.gguf;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smelt.core.inspect.Inspection;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GgufInspectorTest {
    @TempDir Path dir;

    @Test
    void summarisesTensorsAndMetadata() throws Exception {
        Path f = dir.resolve("m.gguf");
        Map<String, GgufValue> meta = new LinkedHashMap<>();
        meta.put("general.architecture", GgufValue.of("qwen3"));
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < 100; i++) tokens.add("t" + i);
        meta.put("tokenizer.ggml.tokens", GgufValue.strings(tokens));
        meta.put("qwen3.block_count", GgufValue.u32(2));
        GgufWriter.write(f, meta, List.of(
                GgufTensor.ofFloats("output_norm.weight", new long[] {8}, new float[8]),
                GgufTensor.of("token_embd.weight", new long[] {32, 4}, GgmlType.Q8_0, ByteBuffer.allocate(4 * 34))));
        Inspection r = GgufInspector.inspect(f);
        assertThat(r.kind()).isEqualTo("gguf");
        assertThat(r.architecture()).isEqualTo("qwen3");
        assertThat(r.parameters()).isEqualTo(8 + 128);
        assertThat(r.totalBytes()).isEqualTo(32 + 136);
        assertThat(r.tensors()).extracting(t -> t.type()).containsExactly("F32", "Q8_0");
        assertThat(r.tensors().get(1).shape()).containsExactly(32, 4);
        assertThat(r.parametersByType()).containsEntry("Q8_0", 128L);
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) r.extra().get("metadata");
        assertThat(m.get("qwen3.block_count")).isEqualTo(2L);
        assertThat(m.get("tokenizer.ggml.tokens").toString()).contains("length=100").contains("t0");
        assertThat(GgufInspector.display("a\nb")).isEqualTo("\"a\\nb\"");
        assertThat(GgufInspector.display("x".repeat(300))).hasSizeLessThan(140).contains("300 chars");
    }
}
