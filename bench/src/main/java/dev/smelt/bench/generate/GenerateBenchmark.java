package dev.smelt.bench.generate;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import dev.smelt.converter.hf.GgufExport;
import dev.smelt.converter.hf.OutputType;
import dev.smelt.core.SmeltException;
import dev.smelt.core.model.Architecture;
import dev.smelt.core.model.ModelDirectory;
import dev.smelt.core.tiny.TinyModelSpec;
import dev.smelt.core.tiny.TinyModelWriter;
import dev.smelt.models.CausalLM;
import dev.smelt.models.ModelLoader;
import dev.smelt.models.generate.SpeedBenchmark;
import dev.smelt.testkit.interop.LlamaCppHarness;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * Prefill and decode tokens/s of Smelt (CPU, F32) beside llama.cpp (node-llama-cpp) on the same F32 GGUF, prompt and
 * threads, measured in the same run. The two engines alternate run by run so that load on the machine hits both
 * alike; medians of each are reported.
 */
public final class GenerateBenchmark {
    /** One model's numbers. */
    public record Row(String name, long params, SpeedBenchmark.Result smelt, double llamaPrefill, double llamaDecode,
            SpeedBenchmark.Memory memory) {
        public double prefillRatio() {
            return smelt.prefillTokensPerSecond() / llamaPrefill;
        }

        public double decodeRatio() {
            return smelt.decodeTokensPerSecond() / llamaDecode;
        }
    }

    /** A model to measure: its Hugging Face directory and, optionally, an F32 GGUF of it for llama.cpp. */
    public record Model(String name, Path dir, Path gguf) {}

    private final int promptTokens;
    private final int genTokens;
    private final int repeat;
    private final int threads;
    private final LlamaCppHarness harness;
    private final Consumer<String> progress;

    /**
     * @param threads llama.cpp's threads; Smelt's are PyTorch's, which the caller configures (TorchThreads) to match
     * @throws SmeltException when the lengths are out of range or the llama.cpp harness is not installed
     */
    public GenerateBenchmark(int promptTokens, int genTokens, int repeat, int threads, Consumer<String> progress) {
        if (promptTokens < 2 || genTokens < 1 || repeat < 1) {
            throw new SmeltException("--prompt-tokens must be >= 2, --gen-tokens and --repeat >= 1");
        }
        this.promptTokens = promptTokens;
        this.genTokens = genTokens;
        this.repeat = repeat;
        this.threads = threads;
        this.progress = progress;
        this.harness = LlamaCppHarness.require();
    }

    /** The default pair, written into {@code work}: a create-tiny llama and a ~100M-parameter one. */
    public static List<Model> defaultModels(Path work) throws IOException {
        Path tiny = work.resolve("tiny-llama");
        TinyModelWriter.write(TinyModelSpec.builder(Architecture.LLAMA).seed(1).build(), tiny);
        Path big = work.resolve("100m-llama");
        TinyModelWriter.write(TinyModelSpec.builder(Architecture.LLAMA).seed(1).hiddenSize(768).numLayers(14)
                .numHeads(12).numKvHeads(4).build(), big);
        return List.of(new Model("tiny llama", tiny, null), new Model("~100M llama", big, null));
    }

    /** Measures one model; a missing GGUF is converted into {@code work} first. */
    public Row run(Model model, Path work) throws Exception {
        ModelDirectory md = ModelDirectory.open(model.dir());
        Path file = model.gguf();
        if (file == null) {
            file = work.resolve(model.dir().getFileName() + ".f32.gguf");
            progress.accept("converting " + model.name() + " to an F32 GGUF");
            GgufExport.export(model.dir(), file, GgufExport.Options.of(OutputType.F32), new GgufExport.Listener() {});
        }
        progress.accept("smelt and llama.cpp on " + model.name() + ", alternating");
        double[] ourPrefill = new double[repeat], ourDecode = new double[repeat];
        double[] refPrefill = new double[repeat], refDecode = new double[repeat];
        List<double[]> runs = new ArrayList<>();
        SpeedBenchmark.Memory memory;
        try (CausalLM lm = ModelLoader.load(md, Device.cpu(), DataType.FLOAT32)) {
            long[] prompt = SpeedBenchmark.benchPrompt(promptTokens, md.config().vocabSize());
            SpeedBenchmark.measure(lm, prompt, genTokens, 1, 0); // warm-up
            for (int r = 0; r < repeat; r++) {
                JsonNode ref = harness.bench(file, promptTokens, genTokens, 1, threads);
                refPrefill[r] = ref.path("prefill_tokens_per_s").asDouble();
                refDecode[r] = ref.path("decode_tokens_per_s").asDouble();
                SpeedBenchmark.Result ours = SpeedBenchmark.measure(lm, prompt, genTokens, 0, 1);
                ourPrefill[r] = ours.prefillTokensPerSecond();
                ourDecode[r] = ours.decodeTokensPerSecond();
                runs.add(new double[] {ourPrefill[r], ourDecode[r]});
            }
            memory = SpeedBenchmark.memory(lm, Arrays.copyOf(prompt, prompt.length - 1), genTokens);
        }
        return new Row(model.name(), md.config().parameterCount(),
                new SpeedBenchmark.Result(median(ourPrefill), median(ourDecode), runs), median(refPrefill), median(refDecode), memory);
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
