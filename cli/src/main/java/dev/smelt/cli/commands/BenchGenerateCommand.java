package dev.smelt.cli.commands;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import dev.smelt.cli.GlobalOptions;
import dev.smelt.converter.hf.GgufExport;
import dev.smelt.converter.hf.OutputType;
import dev.smelt.converter.interop.LlamaCppHarness;
import dev.smelt.core.SmeltException;
import dev.smelt.core.io.AtomicFiles;
import dev.smelt.core.model.Architecture;
import dev.smelt.core.model.ModelDirectory;
import dev.smelt.core.tiny.TinyModelSpec;
import dev.smelt.core.tiny.TinyModelWriter;
import dev.smelt.models.CausalLM;
import dev.smelt.models.ModelLoader;
import dev.smelt.models.TorchThreads;
import dev.smelt.models.generate.SpeedBenchmark;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "generate", description = {
        "Prefill and decode tokens/s of Smelt on CPU beside llama.cpp (node-llama-cpp) "
        + "on the same F32 GGUF, measured in the same run; ratio = smelt / llama.cpp. "
        + "Without --model: a default create-tiny llama and a ~100M-parameter one."})
public final class BenchGenerateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    @Option(names = "--model", paramLabel = "DIR", description = "Hugging Face model directory to benchmark (default: the two create-tiny models).")
    Path model;

    @Option(names = "--gguf", paramLabel = "FILE", description = "F32 GGUF of --model for llama.cpp (default: converted into a temp file).")
    Path gguf;

    @Option(names = "--prompt-tokens", defaultValue = "128", paramLabel = "N", description = "Prompt length (default: ${DEFAULT-VALUE}).")
    int promptTokens;

    @Option(names = "--gen-tokens", defaultValue = "64", paramLabel = "N", description = "Decoded tokens per run (default: ${DEFAULT-VALUE}).")
    int genTokens;

    @Option(names = "--repeat", defaultValue = "3", paramLabel = "N", description = "Measured runs; medians are reported (default: ${DEFAULT-VALUE}).")
    int repeat;

    @Option(names = "--threads", paramLabel = "N", description = "PyTorch CPU threads, and llama.cpp's (default: half the processors, at least 1).")
    Integer threads;

    record Row(String name, long params, SpeedBenchmark.Result smelt, double llamaPrefill, double llamaDecode) {}

    @Override
    public Integer call() throws Exception {
        if (promptTokens < 2 || genTokens < 1 || repeat < 1) {
            throw new SmeltException("--prompt-tokens must be >= 2, --gen-tokens and --repeat >= 1");
        }
        if (gguf != null && model == null) throw new SmeltException("--gguf needs --model");
        TorchThreads.configure(threads, TorchThreads.Default.HALF_PROCESSORS);
        int n = TorchThreads.intraOp();
        LlamaCppHarness harness = LlamaCppHarness.require();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Path work = Files.createTempDirectory("smelt-bench-");
        try {
            List<Row> rows = new ArrayList<>();
            if (model != null) {
                rows.add(bench(model.getFileName().toString(), model, gguf, work, harness, n, err));
            } else {
                Path tiny = work.resolve("tiny-llama");
                TinyModelWriter.write(TinyModelSpec.builder(Architecture.LLAMA).seed(1).build(), tiny);
                rows.add(bench("tiny llama", tiny, null, work, harness, n, err));
                Path big = work.resolve("100m-llama");
                TinyModelWriter.write(TinyModelSpec.builder(Architecture.LLAMA).seed(1).hiddenSize(768).numLayers(14)
                        .numHeads(12).numKvHeads(4).build(), big);
                rows.add(bench("~100M llama", big, null, work, harness, n, err));
            }
            out.println(String.format(Locale.ROOT, "CPU, %d thread(s), prompt %d tokens, %d decoded tokens, median of %d runs; ratio = smelt / llama.cpp",
                    n, promptTokens, genTokens, repeat));
            out.println(String.format(Locale.ROOT, "%-14s %9s | %14s %14s %7s | %14s %14s %7s", "model", "params",
                    "prefill smelt", "llama.cpp", "ratio", "decode smelt", "llama.cpp", "ratio"));
            for (Row r : rows) {
                out.println(String.format(Locale.ROOT, "%-14s %8.1fM | %10.1f t/s %10.1f t/s %7.3f | %10.1f t/s %10.1f t/s %7.3f",
                        r.name(), r.params() / 1e6, r.smelt().prefillTokensPerSecond(), r.llamaPrefill(),
                        r.smelt().prefillTokensPerSecond() / r.llamaPrefill(), r.smelt().decodeTokensPerSecond(),
                        r.llamaDecode(), r.smelt().decodeTokensPerSecond() / r.llamaDecode()));
            }
            out.flush();
        } finally {
            AtomicFiles.deleteRecursively(work);
        }
        return 0;
    }

    private Row bench(String name, Path dir, Path ggufFile, Path work, LlamaCppHarness harness, int threads, PrintWriter err)
            throws Exception {
        ModelDirectory md = ModelDirectory.open(dir);
        Path file = ggufFile;
        if (file == null) {
            file = work.resolve(dir.getFileName() + ".f32.gguf");
            progress(err, "converting " + name + " to an F32 GGUF");
            GgufExport.export(dir, file, GgufExport.Options.of(OutputType.F32), new GgufExport.Listener() {});
        }
        // Alternate the two engines run by run so that load on the machine hits both alike; medians of each.
        progress(err, "smelt and llama.cpp on " + name + ", alternating");
        double[] ourPrefill = new double[repeat], ourDecode = new double[repeat];
        double[] refPrefill = new double[repeat], refDecode = new double[repeat];
        List<double[]> runs = new ArrayList<>();
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
        }
        return new Row(name, md.config().parameterCount(),
                new SpeedBenchmark.Result(median(ourPrefill), median(ourDecode), runs), median(refPrefill), median(refDecode));
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static void progress(PrintWriter err, String msg) {
        if (GlobalOptions.quiet()) return;
        err.println("smelt: " + msg + "…");
        err.flush();
    }
}
