package dev.smelt.quantizer.gguf;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smelt.converter.gguf.GgufWriter;
import dev.smelt.quantizer.mix.QuantMix;
import dev.smelt.testkit.interop.InteropTool;
import dev.smelt.testkit.interop.LlamaCppHarness;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Files Smelt quantizes load and generate in llama.cpp (node-llama-cpp): every mix for create-tiny llama,
 * qwen3 and qwen3_5, and (llama, qwen3) Q8_0's greedy choice agrees with the F32 model's on at least 90% of the
 * 64 positions of F32's greedy continuation.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class QuantizedGgufLlamaCppInteropIT {
    @TempDir
    Path tmp;

    @RegisterExtension static final InteropTool<LlamaCppHarness> LLAMA = InteropTool.llamaCpp();

    static Stream<String> models() {
        return Stream.of("llama", "qwen3", "qwen3_5");
    }


    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void everyMixLoadsAndQ8_0FollowsF32(String model) throws Exception {
        Path f32 = LlamaQuantizeInteropIT.convert(model, tmp);
        int[] prompt = {5, 17, 42, 99, 7};
        int[] reference = LLAMA.get().generate(f32, prompt, 64, 1).tokens();
        for (QuantMix mix : QuantMix.values()) {
            Path q = tmp.resolve(model + "-" + mix + ".gguf");
            GgufQuantizer.quantize(f32, q, new QuantizeOptions(mix, 2, false, false, null), GgufWriter.Listener.NONE);
            int[] tokens = LLAMA.get().generate(q, prompt, 8, 1).tokens();
            assertThat(tokens).as(model + " " + mix + " generates in llama.cpp").hasSize(8);
            // The gate is checked on llama and qwen3. The tiny random qwen3_5 has near-tied logits: its Q8_0 file
            // (byte-identical to llama-quantize's, see LlamaQuantizeInteropIT) matched F32 on only 57 of 64
            // positions when measured, so a gate there would test the random model, not the quantizer.
            if (mix == QuantMix.Q8_0 && !model.equals("qwen3_5")) {
                int disagreements = disagreementsAlong(q, prompt, reference, 6);
                assertThat(64 - disagreements).as("Q8_0's greedy choices equal to F32's along F32's 64 greedy tokens "
                        + Arrays.toString(reference)).isGreaterThanOrEqualTo(58);
            }
        }
    }

    /**
     * Positions of F32's greedy continuation {@code reference} where {@code gguf}'s greedy choice, given the same
     * prefix, differs. Random tiny models have near-tied logits, so one flip would derail a free-running
     * comparison of everything after it; instead, after each disagreement generation restarts from F32's
     * prefix (one llama.cpp run per disagreement, stopping after {@code limit + 1}).
     */
    private int disagreementsAlong(Path gguf, int[] prompt, int[] reference, int limit) {
        int pos = 0;
        int disagreements = 0;
        while (pos < reference.length && disagreements <= limit) {
            int[] prefix = Arrays.copyOf(prompt, prompt.length + pos);
            System.arraycopy(reference, 0, prefix, prompt.length, pos);
            int[] got = LLAMA.get().generate(gguf, prefix, reference.length - pos, 1).tokens();
            int k = 0;
            while (k < got.length && got[k] == reference[pos + k]) k++;
            pos += k;
            if (pos < reference.length) {
                disagreements++;
                pos++;
            }
        }
        return disagreements;
    }
}
