package dev.smelt.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import dev.smelt.cli.Smelt;
import dev.smelt.converter.hf.GgufExport;
import dev.smelt.converter.hf.OutputType;
import dev.smelt.core.model.Architecture;
import dev.smelt.core.model.ModelDirectory;
import dev.smelt.core.tiny.TinyModelSpec;
import dev.smelt.core.tiny.TinyModelWriter;
import dev.smelt.models.generate.LanguageModel;
import dev.smelt.testkit.cli.CliRunner;
import dev.smelt.testkit.interop.InteropTool;
import dev.smelt.testkit.interop.LlamaCppHarness;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code smelt generate} against llama.cpp (node-llama-cpp 3.21.1) on the same create-tiny model converted to an
 * F32 GGUF (tied and untied embeddings): the same 32 greedy tokens from the same prompt ids, and the same
 * next-token probabilities at every step for llama.cpp's top-5 candidates.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GenerateParityInteropIT {
    static final int NEW_TOKENS = 32;
    static final double LOGIT_TOLERANCE = 1e-4;
    static final double PROB_TOLERANCE = 1e-4;

    @TempDir Path tmp;
    @RegisterExtension static final InteropTool<LlamaCppHarness> LLAMA = InteropTool.llamaCpp();
    private static final CliRunner SMELT = new CliRunner(Smelt::run);

    @ParameterizedTest(name = "{0} tied={1}")
    @CsvSource({"llama,false", "llama,true", "qwen2,false", "qwen2,true", "qwen3,false", "qwen3,true"})
    void greedyTokensAndProbabilitiesMatchLlamaCpp(String arch, boolean tied) throws Exception {
        Path dir = tmp.resolve(arch + "-" + tied);
        TinyModelWriter.write(TinyModelSpec.builder(Architecture.fromModelType(arch)).seed(1234).tieWordEmbeddings(tied).build(), dir);
        Path gguf = tmp.resolve(arch + ".gguf");
        GgufExport.export(dir, gguf, GgufExport.Options.of(OutputType.F32), new GgufExport.Listener() {});
        int[] prompt = {17, 256, 311, 42, 600, 7, 95, 512, 133};

        // llama.cpp keeps its KV cache in F16 and its CPU flash attention computes in F16; --kv f32 (cache F32, flash
        // attention off) makes the comparison about the model (differences ~1e-5 instead of ~5e-3 in logits).
        LlamaCppHarness.Generation ref = generateWithF32Cache(gguf, prompt);

        CliRunner.Result r = SMELT.run("generate", "--model", dir.toString(),
                "--prompt-ids", String.join(",", Arrays.stream(prompt).mapToObj(String::valueOf).toList()),
                "--max-new-tokens", String.valueOf(NEW_TOKENS), "--ignore-eos", "--print-ids", "--temperature", "0");
        assertThat(r.code()).as(r.err()).isZero();
        int[] ours = Arrays.stream(r.out().trim().split(" ")).mapToInt(Integer::parseInt).toArray();

        assertThat(ref.tokens()).as("llama.cpp generated").hasSize(NEW_TOKENS);
        assertThat(ours).as("smelt generate vs llama.cpp " + ref.llamaCppRelease()).containsExactly(ref.tokens());

        // Probabilities of llama.cpp's top candidates against our softmax at each step.
        int[] all = Arrays.copyOf(prompt, prompt.length + NEW_TOKENS);
        System.arraycopy(ours, 0, all, prompt.length, NEW_TOKENS);
        try (LanguageModel lm = LanguageModel.open(ModelDirectory.open(dir), Device.cpu(), DataType.FLOAT32)) {
            float[][] logits = lm.generator().promptLogits(Arrays.stream(all).asLongStream().toArray());
            // Probabilities over the whole vocabulary, and their ratios: log(p_i / p_top) must equal our logit_i - logit_top.
            double maxLogRatioDiff = 0;
            double maxProbDiff = 0;
            for (int s = 0; s < NEW_TOKENS; s++) {
                float[] row = logits[prompt.length - 1 + s];
                double[] p = softmax(row);
                LlamaCppHarness.Step step = ref.steps().get(s);
                assertThat(step.top()).as("llama.cpp reports probabilities").hasSizeGreaterThan(1);
                double[] first = step.top().get(0);
                assertThat((int) first[0]).as("llama.cpp's most likely token is the one it chose").isEqualTo(ours[s]);
                for (double[] cand : step.top()) {
                    int id = (int) cand[0];
                    if (cand[1] < 1e-6) continue; // below float resolution of a log ratio
                    double theirs = Math.log(cand[1] / first[1]);
                    double mine = row[id] - row[(int) first[0]];
                    maxLogRatioDiff = Math.max(maxLogRatioDiff, Math.abs(theirs - mine));
                    maxProbDiff = Math.max(maxProbDiff, Math.abs(p[id] - cand[1]));
                }
            }
            System.out.printf("%s tied=%s: 32 tokens identical %s; max |log-ratio diff| %.3g, max |p diff| %.3g%n", arch, tied,
                    Arrays.toString(ours), maxLogRatioDiff, maxProbDiff);
            assertThat(maxLogRatioDiff).as("max |log(p_i/p_top) - (logit_i - logit_top)| over llama.cpp's top-5, 32 steps")
                    .isLessThan(LOGIT_TOLERANCE);
            assertThat(maxProbDiff).as("max |p_smelt - p_llama.cpp| over llama.cpp's top-5, 32 steps").isLessThan(PROB_TOLERANCE);
        }
    }

    LlamaCppHarness.Generation generateWithF32Cache(Path gguf, int[] prompt) {
        JsonNode out = LLAMA.get().run("llama-generate.mjs", List.of(gguf.toAbsolutePath().toString(), "--tokens",
                String.join(",", Arrays.stream(prompt).mapToObj(String::valueOf).toList()), "--n", String.valueOf(NEW_TOKENS),
                "--top", "5", "--ctx", String.valueOf(prompt.length + NEW_TOKENS + 8), "--kv", "f32"), Duration.ofMinutes(5));
        int[] tokens = new int[out.path("tokens").size()];
        for (int i = 0; i < tokens.length; i++) tokens[i] = out.path("tokens").get(i).asInt();
        List<LlamaCppHarness.Step> steps = new ArrayList<>();
        for (JsonNode s : out.path("steps")) {
            List<double[]> top = new ArrayList<>();
            for (JsonNode pair : s.path("top")) top.add(new double[] {pair.get(0).asDouble(), pair.get(1).asDouble()});
            steps.add(new LlamaCppHarness.Step(s.path("token").asInt(), s.path("confidence").asDouble(), top));
        }
        return new LlamaCppHarness.Generation(tokens, steps, out.path("llama_cpp_release").asText(null), out);
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
