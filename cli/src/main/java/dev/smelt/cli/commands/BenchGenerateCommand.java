package dev.smelt.cli.commands;

import dev.smelt.bench.generate.GenerateBenchmark.Model;
import dev.smelt.bench.generate.GenerateBenchmark.Row;
import dev.smelt.bench.generate.GenerateBenchmark;
import dev.smelt.cli.GlobalOptions;
import dev.smelt.core.SmeltException;
import dev.smelt.core.io.AtomicFiles;
import dev.smelt.models.TorchThreads;
import dev.smelt.models.generate.SpeedBenchmark;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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

    @Option(names = "--long-generation", defaultValue = "0", paramLabel = "N",
            description = "Also decode N and N/10 tokens after a 16-token prompt, each in a fresh JVM, and compare the long "
                    + "run's peak RSS with the short run's plus the KV cache it adds (default: ${DEFAULT-VALUE}, off).")
    int longGeneration;

    @Option(names = "--threads", paramLabel = "N", description = "PyTorch CPU threads, and llama.cpp's (default: half the processors, at least 1).")
    Integer threads;

    @Override
    public Integer call() throws Exception {
        if (gguf != null && model == null) throw new SmeltException("--gguf needs --model");
        TorchThreads.configure(threads, TorchThreads.Default.HALF_PROCESSORS);
        int n = TorchThreads.intraOp();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        GenerateBenchmark bench = new GenerateBenchmark(promptTokens, genTokens, repeat, n, msg -> progress(err, msg));
        Path work = Files.createTempDirectory("smelt-bench-");
        try {
            List<Model> models = model != null ? List.of(new Model(model.getFileName().toString(), model, gguf))
                    : GenerateBenchmark.defaultModels(work);
            List<Row> rows = new ArrayList<>();
            for (Model m : models) rows.add(bench.run(m, work));
            out.println(String.format(Locale.ROOT, "CPU, %d thread(s), prompt %d tokens, %d decoded tokens, median of %d runs; ratio = smelt / llama.cpp",
                    n, promptTokens, genTokens, repeat));
            out.println(bench.reference());
            out.println(String.format(Locale.ROOT, "%-14s %9s | %14s %14s %7s | %14s %14s %7s", "model", "params",
                    "prefill smelt", "llama.cpp", "ratio", "decode smelt", "llama.cpp", "ratio"));
            for (Row r : rows) {
                out.println(String.format(Locale.ROOT, "%-14s %8.1fM | %10.1f t/s %10.1f t/s %7.3f | %10.1f t/s %10.1f t/s %7.3f",
                        r.name(), r.params() / 1e6, r.smelt().prefillTokensPerSecond(), r.llamaPrefill(), r.prefillRatio(),
                        r.smelt().decodeTokensPerSecond(), r.llamaDecode(), r.decodeRatio()));
            }
            out.println(String.format(Locale.ROOT, "memory after one decode of %d tokens: arrays alive beyond the weights"
                    + " (KV cache, preallocated to powers of two) and the JVM's peak RSS", promptTokens + genTokens));
            for (Row r : rows) {
                SpeedBenchmark.Memory m = r.memory();
                out.println(String.format(Locale.ROOT, "%-14s %9.1f KiB held (%7.1f B/token), peak RSS %7.1f MiB", r.name(),
                        m.heldBytes() / 1024.0, m.heldBytesPerToken(), m.peakRssBytes() / (1024.0 * 1024)));
            }
            if (longGeneration > 0) {
                out.println(String.format(Locale.ROOT, "long generation, each run in a fresh JVM (-Xmx256m): peak RSS of the long decode"
                        + " against the short one's plus the KV cache the long one adds (goal <= 1.10)"));
                for (Model m : models) {
                    GenerateBenchmark.LongGeneration g = bench.longGeneration(m, Math.max(1, longGeneration / 10), longGeneration);
                    SpeedBenchmark.Memory s = g.shortRun();
                    SpeedBenchmark.Memory l = g.longRun();
                    out.println(String.format(Locale.ROOT, "%-14s %5d tokens: peak RSS %7.1f MiB, KV %7.1f MiB | %5d tokens: peak RSS %7.1f MiB,"
                            + " KV %7.1f MiB | ratio %.3f", m.name(), s.tokens(), s.peakRssBytes() / 1048576.0, s.heldBytes() / 1048576.0,
                            l.tokens(), l.peakRssBytes() / 1048576.0, l.heldBytes() / 1048576.0, g.ratio()));
                }
            }
            out.flush();
        } finally {
            AtomicFiles.deleteRecursively(work);
        }
        return 0;
    }

    private static void progress(PrintWriter err, String msg) {
        if (GlobalOptions.quiet()) return;
        err.println("smelt: " + msg + "…");
        err.flush();
    }
}
