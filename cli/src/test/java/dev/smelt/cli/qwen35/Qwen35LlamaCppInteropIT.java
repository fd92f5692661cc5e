package dev.smelt.cli.qwen35;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import dev.smelt.converter.hf.GgufExport;
import dev.smelt.converter.hf.OutputType;
import dev.smelt.core.model.Architecture;
import dev.smelt.core.model.ModelDirectory;
import dev.smelt.core.tiny.TinyModelSpec;
import dev.smelt.core.tiny.TinyModelWriter;
import dev.smelt.models.CausalLM;
import dev.smelt.models.DecoderCache;
import dev.smelt.models.ModelLoader;
import dev.smelt.models.qwen35.Qwen35Model;
import dev.smelt.testkit.interop.InteropTool;
import dev.smelt.testkit.interop.LlamaCppHarness;
import java.nio.file.Path;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Our DJL Qwen3.5 model against llama.cpp (node-llama-cpp 3.21.1, arch {@code qwen35}) on a create-tiny
 * {@code qwen3_5} converted to F32 GGUF: at every greedy step the chosen token must agree and the top-k
 * probabilities llama.cpp reports must match the softmax of our logits. Covers more V heads than K heads
 * (which the converter re-tiles for ggml), equal heads, tied and untied embeddings.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class Qwen35LlamaCppInteropIT {
    @TempDir Path tmp;
    @RegisterExtension static final InteropTool<LlamaCppHarness> LLAMA = InteropTool.llamaCpp();

    @ParameterizedTest(name = "K heads {0}, V heads {1}, tied {2}")
    @CsvSource({"2, 4, true", "2, 2, false", "1, 4, false"})
    void greedyTokensAndProbabilitiesMatchLlamaCpp(int keyHeads, int valueHeads, boolean tied) throws Exception {
        TinyModelSpec spec = TinyModelSpec.builder(Architecture.QWEN3_5).seed(7L * keyHeads + valueHeads)
                .hiddenSize(64).numLayers(4).linearKeyHeads(keyHeads).linearValueHeads(valueHeads).linearHeadDim(16)
                .tieWordEmbeddings(tied).build();
        Path dir = TinyModelWriter.write(spec, tmp.resolve("m" + keyHeads + valueHeads + tied)).directory();
        Path gguf = tmp.resolve("m" + keyHeads + valueHeads + tied + ".gguf");
        GgufExport.export(dir, gguf, GgufExport.Options.of(OutputType.F32), new GgufExport.Listener() {});

        int[] prompt = {72, 101, 108, 108, 111, 44, 32, 119, 111, 114, 108, 100, 33, 10};
        int steps = 8;
        LlamaCppHarness.Generation llama = LLAMA.get().generate(gguf, prompt, steps, 5);
        assertThat(llama.tokens()).hasSize(steps);

        try (NDManager m = NDManager.newBaseManager(Device.cpu());
                CausalLM lm = ModelLoader.load(ModelDirectory.open(dir), Device.cpu(), DataType.FLOAT32)) {
            assertThat(lm).isInstanceOf(Qwen35Model.class);
            ParameterStore ps = new ParameterStore(m, false);
            try (DecoderCache cache = lm.newCache(m, 1)) {
                NDArray logits = lm.step(ps, ids(m, prompt), cache, true);
                for (int s = 0; s < steps; s++) {
                    double[] p = softmax(logits.toType(DataType.FLOAT64, false).toDoubleArray());
                    LlamaCppHarness.Step step = llama.steps().get(s);
                    for (double[] cand : step.top()) {
                        int id = (int) cand[0];
                        assertThat(cand[1]).as("step %d: p(token %d)", s, id).isCloseTo(p[id], Offset.offset(2e-3 + 0.02 * p[id]));
                    }
                    int best = argmax(p);
                    if (p[best] - secondLargest(p, best) > 1e-3) {
                        assertThat(step.token()).as("step %d greedy token", s).isEqualTo(best);
                    }
                    logits = lm.step(ps, ids(m, step.token()), cache, true);
                }
            }
        }
    }

    private static NDArray ids(NDManager m, int... tokens) {
        return m.create(tokens, new Shape(1, tokens.length)).toType(DataType.INT64, false);
    }

    private static double[] softmax(double[] x) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : x) max = Math.max(max, v);
        double sum = 0;
        double[] p = new double[x.length];
        for (int i = 0; i < x.length; i++) sum += p[i] = Math.exp(x[i] - max);
        for (int i = 0; i < x.length; i++) p[i] /= sum;
        return p;
    }

    private static int argmax(double[] p) {
        int best = 0;
        for (int i = 1; i < p.length; i++) if (p[i] > p[best]) best = i;
        return best;
    }

    private static double secondLargest(double[] p, int best) {
        double second = 0;
        for (int i = 0; i < p.length; i++) if (i != best) second = Math.max(second, p[i]);
        return second;
    }
}
