package dev.smelt.cli.commands;

import dev.smelt.datasets.bench.DataBenchmark;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "data", description = {
        "Renders and tokenizes a synthetic chat JSONL through the datasets pipeline (parse, chat template, loss mask, "
        + "tokenizer) and DJL's tokenizer alone over the same rendered strings, same threads, same run. "
        + "Prints rows/s, tokens/s, their ratio (target >= 0.7) and peak RSS (target < 1 GiB)."})
public final class BenchDataCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--rows", paramLabel = "N", defaultValue = "200000", description = "Synthetic rows (default: ${DEFAULT-VALUE}).")
    int rows;

    @Option(names = "--data-threads", paramLabel = "N", description = "Data rendering and tokenization threads, both sides (default: all processors).")
    Integer dataThreads;

    @Option(names = "--model", paramLabel = "DIR",
            description = "Model directory whose tokenizer and chat template to use (default: a tiny byte-level BPE with ChatML).")
    Path model;

    @Option(names = "--vocab", paramLabel = "N", defaultValue = "8192",
            description = "Vocabulary of the tiny tokenizer when no --model is given (default: ${DEFAULT-VALUE}).")
    int vocab;

    @Option(names = "--dir", paramLabel = "DIR", description = "Scratch folder; the data and tokenizer are kept there for reruns"
            + " (default: java.io.tmpdir/smelt-bench-data).")
    Path dir;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        int n = dataThreads != null ? dataThreads : Runtime.getRuntime().availableProcessors();
        Path scratch = dir != null ? dir : Path.of(System.getProperty("java.io.tmpdir"), "smelt-bench-data");
        DataBenchmark.Result r = DataBenchmark.run(model, rows, n, vocab, scratch, line -> {
            err.println(line);
            err.flush();
        });
        out.printf(Locale.ROOT, "data: %,d synthetic chat rows, %,d tokens; tokenizer: %s; %d thread(s)%n",
                r.rows(), r.tokens(), r.tokenizer(), r.threads());
        out.printf(Locale.ROOT, "DJL tokenizer alone:  %,10.0f tokens/s  (%.1f s wall, %.1f s CPU)%n",
                r.baselineTokensPerSecond(), r.baselineSeconds(), r.baselineCpuSeconds());
        out.printf(Locale.ROOT, "smelt data pipeline:  %,10.0f tokens/s  %,8.0f rows/s  (%.1f s wall, %.1f s CPU)%n",
                r.tokensPerSecond(), r.rowsPerSecond(), r.seconds(), r.cpuSeconds());
        out.printf(Locale.ROOT, "ratio: %.2f wall clock, %.2f per CPU second (target >= 0.7)%n", r.ratio(), r.cpuRatio());
        out.printf(Locale.ROOT, "peak RSS: %s (target < 1 GiB)%n",
                r.peakRssBytes() < 0 ? "unknown" : String.format(Locale.ROOT, "%.0f MiB", r.peakRssBytes() / 1048576.0));
        out.flush();
        return 0;
    }
}
