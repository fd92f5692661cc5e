package dev.smelt.converter.hf;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.smelt.converter.gguf.GgufReader;
import dev.smelt.converter.gguf.GgufTensorInfo;
import dev.smelt.converter.gguf.GgufValue;
import dev.smelt.core.model.ModelConfig;
import dev.smelt.core.safetensors.DType;
import dev.smelt.core.safetensors.SafetensorsModel;
import dev.smelt.testkit.interop.InteropTool;
import dev.smelt.testkit.interop.LlamaCppHarness;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Converted GGUFs checked against the reference tools: @huggingface/gguf must parse exactly the metadata and
 * tensor infos our reader sees, and llama.cpp (node-llama-cpp 3.21.1) must load the file and generate.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GgufExportInteropIT {
    @TempDir Path tmp;
    @RegisterExtension static final InteropTool<LlamaCppHarness> LLAMA = InteropTool.llamaCpp();

    static Stream<Arguments> cases() {
        return Stream.of("llama", "qwen2", "qwen3", "qwen3_5")
                .flatMap(a -> Stream.of(Arguments.of(a, OutputType.F32), Arguments.of(a, OutputType.F16)));
    }

    @Test
    void harnessReportsPinnedVersions() {
        JsonNode info = LLAMA.get().info();
        assertThat(info.path("node_llama_cpp").asText()).isEqualTo("3.21.1");
        assertThat(info.path("llama_cpp_release").asText()).isNotBlank();
        assertThat(info.path("gpu").asBoolean()).isFalse();
    }

    @Test
    void benchReportsPrefillAndDecodeSpeed() throws Exception {
        Path dir = TinyHfModels.write(tmp.resolve("bench"), "qwen3", DType.BF16, 2);
        Path gguf = tmp.resolve("bench.gguf");
        GgufExport.export(dir, gguf, GgufExport.Options.of(OutputType.F16), new GgufExport.Listener() {});
        JsonNode b = LLAMA.get().bench(gguf, 32, 8, 2, 1);
        assertThat(b.path("runs").size()).isEqualTo(2);
        assertThat(b.path("prefill_tokens_per_s").asDouble()).isPositive();
        assertThat(b.path("decode_tokens_per_s").asDouble()).isPositive();
        assertThat(b.path("runs").get(0).path("decode_tokens").asInt()).isEqualTo(8);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void referenceToolsReadAndRunTheExport(String arch, OutputType type) throws Exception {
        Path dir = TinyHfModels.write(tmp.resolve(arch + "-" + type), arch, DType.BF16, 11);
        Path gguf = tmp.resolve(arch + "-" + type + ".gguf");
        GgufExport.export(dir, gguf, GgufExport.Options.of(type), new GgufExport.Listener() {});

        assertReferenceParserAgrees(LLAMA.get(), gguf);

        assertGenerates(LLAMA.get(), gguf, TinyHfModels.VOCAB);
    }

    /**
     * llama.cpp's next-token distribution from our F32 GGUF must match a plain Java forward pass over the
     * original HF weights: this is what proves the q/k permutation, the Qwen3.5 transforms and V-head tiling
     * are right, not just loadable.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"llama", "qwen2", "qwen3", "qwen3_5", "qwen3_5_text"})
    void llamaCppMatchesAReferenceForwardPass(String arch) throws Exception {
        Path dir = TinyHfModels.write(tmp.resolve("ref-" + arch), arch, DType.BF16, 5);
        Path gguf = tmp.resolve("ref-" + arch + ".gguf");
        GgufExport.export(dir, gguf, GgufExport.Options.of(OutputType.F32), new GgufExport.Listener() {});
        assertMatchesReferenceForward(LLAMA.get(), dir, gguf, arch);
    }

    /** llama.cpp loads the file and greedily generates 32 in-vocabulary tokens after a chat-like prompt. */
    static void assertGenerates(LlamaCppHarness harness, Path gguf, int vocab) {
        int[] prompt = {72, 101, 108, 108, 111, 33, 10};
        LlamaCppHarness.Generation g = harness.generate(gguf, prompt, 32, 3);
        assertThat(g.tokens()).hasSize(32);
        for (LlamaCppHarness.Step s : g.steps()) {
            assertThat(s.token()).isBetween(0, vocab - 1);
            assertThat(s.confidence()).isBetween(0.0, 1.0);
            assertThat(s.top()).isNotEmpty();
            assertThat((int) s.top().get(0)[0]).as("greedy picks the most likely token").isEqualTo(s.token());
        }
    }

    /** Greedy steps of llama.cpp on {@code gguf} agree with {@link ReferenceForward} on the HF weights in {@code dir}. */
    static void assertMatchesReferenceForward(LlamaCppHarness harness, Path dir, Path gguf, String arch) {
        int[] prompt = {72, 101, 108, 108, 111, 32, 119, 111, 114, 108, 100};
        int steps = 6;
        LlamaCppHarness.Generation g = harness.generate(gguf, prompt, steps, 5);
        ModelConfig cfg = ModelConfig.parse(dir.resolve("config.json"));
        try (SafetensorsModel w = SafetensorsModel.open(dir)) {
            ReferenceForward ref = new ReferenceForward(cfg, w);
            int[] seq = prompt;
            for (int s = 0; s < steps; s++) {
                double[] p = ReferenceForward.softmax(ref.logits(seq));
                LlamaCppHarness.Step step = g.steps().get(s);
                for (double[] cand : step.top()) {
                    assertThat(cand[1]).as("%s step %d: p(token %d)", arch, s, (int) cand[0])
                            .isCloseTo(p[(int) cand[0]], Offset.offset(2e-3 + 0.02 * p[(int) cand[0]]));
                }
                int best = 0;
                for (int i = 1; i < p.length; i++) if (p[i] > p[best]) best = i;
                double second = 0;
                for (int i = 0; i < p.length; i++) if (i != best) second = Math.max(second, p[i]);
                if (p[best] - second > 1e-3) {
                    assertThat(step.token()).as("%s step %d greedy token", arch, s).isEqualTo(best);
                }
                seq = Arrays.copyOf(seq, seq.length + 1);
                seq[seq.length - 1] = step.token();
            }
        }
    }

    /** @huggingface/gguf must see exactly the header, metadata (types and values) and tensor infos our reader sees. */
    static void assertReferenceParserAgrees(LlamaCppHarness harness, Path gguf) {
        JsonNode ref = harness.ggufInfo(gguf);
        try (GgufReader r = GgufReader.open(gguf)) {
            assertThat(ref.path("version").asInt()).isEqualTo(3);
            assertThat(ref.path("tensor_count").asInt()).isEqualTo(r.tensors().size());
            assertThat(ref.path("kv_count").asInt()).isEqualTo(r.metadata().size());
            assertThat(ref.path("tensor_data_offset").asLong()).isEqualTo(r.dataStart());
            JsonNode tensors = ref.path("tensors");
            for (int i = 0; i < r.tensors().size(); i++) {
                GgufTensorInfo t = r.tensors().get(i);
                JsonNode rt = tensors.get(i);
                assertThat(rt.path("name").asText()).isEqualTo(t.name());
                assertThat(rt.path("dtype").asInt()).as(t.name()).isEqualTo(t.type().id());
                assertThat(rt.path("offset").asLong()).as(t.name()).isEqualTo(t.offset());
                long[] shape = new long[rt.path("shape").size()];
                for (int d = 0; d < shape.length; d++) shape[d] = rt.path("shape").get(d).asLong();
                assertThat(shape).as(t.name()).containsExactly(t.dims());
            }
            JsonNode meta = ref.path("metadata");
            assertThat(meta.size()).isEqualTo(r.metadata().size());
            for (Map.Entry<String, GgufValue> e : r.metadata().entrySet()) {
                JsonNode m = meta.path(e.getKey());
                assertThat(m.isMissingNode()).as("key " + e.getKey()).isFalse();
                assertThat(m.path("type").asInt()).as(e.getKey()).isEqualTo(e.getValue().type().id());
                assertSameValue(e.getKey(), e.getValue(), m.path("value"));
                if (e.getValue() instanceof GgufValue.Array a) {
                    assertThat(m.path("sub_type").asInt()).as(e.getKey()).isEqualTo(a.elementType().id());
                }
            }
        }

    }

    private static void assertSameValue(String key, GgufValue ours, JsonNode theirs) {
        if (ours instanceof GgufValue.Array a) {
            assertThat(theirs.size()).as(key).isEqualTo(a.size());
            Iterator<JsonNode> it = theirs.elements();
            for (GgufValue v : a.values()) assertSameValue(key, v, it.next());
        } else if (ours instanceof GgufValue.Float32 f) {
            assertThat((float) theirs.asDouble()).as(key).isEqualTo(f.value());
        } else if (ours instanceof GgufValue.Float64 f) {
            assertThat(theirs.asDouble()).as(key).isEqualTo(f.value());
        } else if (ours instanceof GgufValue.Str s) {
            assertThat(theirs.asText()).as(key).isEqualTo(s.value());
        } else if (ours instanceof GgufValue.Bool b) {
            assertThat(theirs.asBoolean()).as(key).isEqualTo(b.value());
        } else {
            assertThat(theirs.asLong()).as(key).isEqualTo(ours.asLong());
        }
    }

}
