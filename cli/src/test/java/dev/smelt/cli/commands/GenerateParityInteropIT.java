package dev.smelt.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import dev.smelt.cli.Smelt;
import dev.smelt.converter.hf.GgufExport;
import dev.smelt.converter.hf.OutputType;
import dev.smelt.converter.interop.LlamaCppHarness;
import dev.smelt.core.model.Architecture;
import dev.smelt.core.model.ModelDirectory;
import dev.smelt.core.tiny.TinyModelSpec;
import dev.smelt.core.tiny.TinyModelWriter;
import dev.smelt.models.generate.LanguageModel;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code smelt generate} against llama.cpp (node-llama-cpp 3.21.1) on the same create-tiny model converted to an
 * F32 GGUF: the same 32 greedy tokens from the same prompt ids, and the same next-token probabilities at every
 * step for llama.cpp's top candidates.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GenerateParityInteropIT {
    static final int NEW_TOKENS = 32;
    static final double PROB_TOLERANCE = 1e-4;

    @TempDir Path tmp;
    LlamaCppHarness harness;

    @BeforeAll
    void harness() {
        harness = LlamaCppHarness.locate().orElse(null);
        if (harness == null) {
            if (LlamaCppHarness.required()) fail("interop required but " + LlamaCppHarness.missingReason());
            assumeTrue(false, "skipping llama.cpp interop: " + LlamaCppHarness.missingReason());
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"llama", "qwen2", "qwen3"})
    void greedyTokensAndProbabilitiesMatchLlamaCpp(String arch) throws Exception {
        Path dir = tmp.resolve(arch);
        TinyModelWriter.write(TinyModelSpec.builder(Architecture.fromModelType(arch)).seed(1234).build(), dir);
        Path gguf = tmp.resolve(arch + ".gguf");
        GgufExport.export(dir, gguf, GgufExport.Options.of(OutputType.F32), new GgufExport.Listener() {});
        int[] prompt = {17, 256, 311, 42, 600, 7, 95, 512, 133};

        LlamaCppHarness.Generation ref = harness.generate(gguf, prompt, NEW_TOKENS, 5);

        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Smelt.run(new PrintWriter(out), new PrintWriter(err), "generate", "--model", dir.toString(),
                "--prompt-ids", String.join(",", Arrays.stream(prompt).mapToObj(String::valueOf).toList()),
                "--max-new-tokens", String.valueOf(NEW_TOKENS), "--ignore-eos", "--print-ids", "--temperature", "0");
        assertThat(code).as(err.toString()).isZero();
        int[] ours = Arrays.stream(out.toString().trim().split(" ")).mapToInt(Integer::parseInt).toArray();

        assertThat(ref.tokens()).as("llama.cpp generated").hasSize(NEW_TOKENS);
        assertThat(Arrays.stream(ref.tokens()).distinct().count()).as("a non-degenerate continuation").isGreaterThan(3);
        assertThat(ours).as("smelt generate vs llama.cpp " + ref.llamaCppRelease()).containsExactly(ref.tokens());

        // Probabilities of llama.cpp's top candidates against our softmax at each step.
        int[] all = Arrays.copyOf(prompt, prompt.length + NEW_TOKENS);
        System.arraycopy(ours, 0, all, prompt.length, NEW_TOKENS);
        try (LanguageModel lm = LanguageModel.open(ModelDirectory.open(dir), Device.cpu(), DataType.FLOAT32)) {
            float[][] logits = lm.generator().promptLogits(Arrays.stream(all).asLongStream().toArray());
            double maxDiff = 0;
            for (int s = 0; s < NEW_TOKENS; s++) {
                double[] p = softmax(logits[prompt.length - 1 + s]);
                LlamaCppHarness.Step step = ref.steps().get(s);
                assertThat(step.top()).as("llama.cpp reports probabilities").isNotEmpty();
                for (double[] cand : step.top()) {
                    maxDiff = Math.max(maxDiff, Math.abs(p[(int) cand[0]] - cand[1]));
                }
            }
            System.out.printf("%s: 32 tokens identical %s; max |p diff| %.3g%n", arch, Arrays.toString(ours), maxDiff);
            assertThat(maxDiff).as("max |p_smelt - p_llama.cpp| over top-5 candidates of 32 steps").isLessThan(PROB_TOLERANCE);
        }
    }

    static double[] softmax(float[] row) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : row) max = Math.max(max, v);
        double[] p = new double[row.length];
        double sum = 0;
        for (int i = 0; i < row.length; i++) sum += p[i] = Math.exp(row[i] - max);
        for (int i = 0; i < row.length; i++) p[i] /= sum;
        return p;
    }
}
