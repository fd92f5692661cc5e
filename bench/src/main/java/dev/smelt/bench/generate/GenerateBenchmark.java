package dev.smelt.bench.generate;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import dev.smelt.converter.hf.GgufExport;
import dev.smelt.converter.hf.OutputType;
import dev.smelt.core.SmeltException;
import dev.smelt.core.model.Architecture;
import dev.smelt.core.model.ModelDirectory;
import dev.smelt.core.privacy.DjlTelemetry;
import dev.smelt.core.tiny.TinyModelSpec;
import dev.smelt.core.tiny.TinyModelWriter;
import dev.smelt.models.CausalLM;
import dev.smelt.models.ModelLoader;
import dev.smelt.models.generate.SpeedBenchmark;
import dev.smelt.models.nn.FusedProjections;
import dev.smelt.testkit.interop.LlamaBench;
import dev.smelt.testkit.interop.LlamaCppHarness;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * Prefill and decode tokens/s of Smelt (CPU, F32) beside llama.cpp on the same F32 GGUF, prompt and threads, measured
 * in the same run. llama.cpp is its own {@code llama-bench} where {@code interop/build-llama-tools.sh} built it, else
 * the node-llama-cpp harness, which is slower than llama.cpp itself (see {@link LlamaBench}) and says so in
 * {@link #reference()}. The two engines alternate run by run so that load on the machine hits both alike; medians of
 * each are reported.
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
    private final LlamaBench llamaBench; // null: the node harness
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
        this.llamaBench = LlamaBench.locate().orElse(null);
        this.harness = llamaBench == null ? LlamaCppHarness.require() : null;
    }

    /** What the llama.cpp column measures, for the report. */
    public String reference() {
        return llamaBench != null ? "llama.cpp = its own llama-bench (" + llamaBench.binary() + ")"
                : "llama.cpp = node-llama-cpp " + harness.interopDir() + " (llama-bench not built: run"
                        + " interop/build-llama-tools.sh; the harness's decode at as many threads as cores is slower than"
                        + " llama.cpp's own, so the ratios flatter Smelt)";
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
                if (llamaBench != null) {
                    LlamaBench.Speeds ref = llamaBench.measure(file, promptTokens, genTokens, threads);
                    refPrefill[r] = ref.prefillTokensPerSecond();
                    refDecode[r] = ref.decodeTokensPerSecond();
                } else {
                    JsonNode ref = harness.bench(file, promptTokens, genTokens, 1, threads);
                    refPrefill[r] = ref.path("prefill_tokens_per_s").asDouble();
                    refDecode[r] = ref.path("decode_tokens_per_s").asDouble();
                }
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

    /** Peak RSS of a short and a long decode, each in its own JVM, and the arrays each keeps alive (the KV cache). */
    public record LongGeneration(int promptTokens, SpeedBenchmark.Memory shortRun, SpeedBenchmark.Memory longRun) {
        /** The long run's peak RSS / (the short run's + the KV cache the long run adds): ≤ 1.1 is the goal. */
        public double ratio() {
            return longRun.peakRssBytes() / (double) (shortRun.peakRssBytes() + longRun.heldBytes() - shortRun.heldBytes());
        }
    }

    /**
     * Decodes {@code shortGen} and {@code longGen} tokens after a 16-token prompt, each in a child JVM (heap capped at
     * 256 MiB, as for training, so that the JVM's own heap growth does not hide the native memory), and reports both.
     * The lengths are capped so prompt + tokens fit the context.
     */
    public LongGeneration longGeneration(Model model, int shortGen, int longGen) throws IOException, InterruptedException {
        int ctx = ModelDirectory.open(model.dir()).config().maxPositionEmbeddings();
        int prompt = 16;
        int longN = Math.min(longGen, ctx - prompt);
        int shortN = Math.min(shortGen, longN);
        progress.accept("decoding " + shortN + " and " + longN + " tokens of " + model.name() + " in fresh JVMs (peak RSS)");
        return new LongGeneration(prompt, childMemory(model.dir(), prompt, shortN), childMemory(model.dir(), prompt, longN));
    }

    private SpeedBenchmark.Memory childMemory(Path dir, int prompt, int gen) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx256m", "-XX:+UseSerialGC"));
        cmd.addAll(DjlTelemetry.childJvmOptions());
        for (String prop : new String[] {"ai.djl.pytorch.num_threads", "ai.djl.pytorch.num_interop_threads", FusedProjections.PROPERTY}) {
            if (System.getProperty(prop) != null) cmd.add("-D" + prop + "=" + System.getProperty(prop));
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), SpeedBenchmark.class.getName(), dir.toString(),
                Integer.toString(prompt), Integer.toString(gen)));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int code = p.waitFor();
        String line = out.lines().filter(l -> l.startsWith("memory: ")).reduce((a, b) -> b).orElse(null);
        if (code != 0 || line == null) {
            throw new SmeltException("bench generate: the memory child failed (exit " + code + "): "
                    + out.lines().reduce((a, b) -> b).orElse(""));
        }
        String[] f = line.substring(8).trim().split(" ");
        return new SpeedBenchmark.Memory(Long.parseLong(f[0]), Integer.parseInt(f[1]), Long.parseLong(f[2]));
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
