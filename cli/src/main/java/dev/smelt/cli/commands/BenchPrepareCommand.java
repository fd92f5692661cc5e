package dev.smelt.cli.commands;

import dev.smelt.datasets.bench.PrepareBenchmark;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "prepare", description = {
        "Runs smelt data prepare on a synthetic chat JSONL (render, tokenize, mask, split, pack, Parquet shards) beside "
        + "DJL's tokenizer alone on one thread over the same rendered strings, then reads the shards back as smelt train "
        + "--data does, in the same run. Prints rows/s, tokens/s and the ratios."})
public final class BenchPrepareCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--rows", paramLabel = "N", defaultValue = "100000", description = "Synthetic rows (default: ${DEFAULT-VALUE}).")
    int rows;

    @Option(names = "--data-threads", paramLabel = "N",
            description = "Data rendering and tokenization threads for the preparation (default: all processors).")
    Integer dataThreads;

    @Option(names = "--seq-len", paramLabel = "N", defaultValue = "2048", description = "Packed row length (default: ${DEFAULT-VALUE}).")
    int seqLen;

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
        PrepareBenchmark.Result r = PrepareBenchmark.run(model, rows, n, vocab, seqLen, scratch, line -> {
            err.println(line);
            err.flush();
        });
        out.printf(Locale.ROOT, "data: %,d synthetic chat rows, %,d tokens; tokenizer: %s; %d data thread(s)%n",
                r.rows(), r.tokens(), r.tokenizer(), r.threads());
        out.printf(Locale.ROOT, "DJL tokenizer alone, 1 thread:  %,10.0f tokens/s  (%.1f s)%n",
                r.baselineTokensPerSecond(), r.baselineSeconds());
        out.printf(Locale.ROOT, "smelt data prepare:             %,10.0f tokens/s  %,8.0f rows/s  (%.1f s wall, %.1f s CPU;"
                + " %,d packed rows, %d shard(s), %.1f MiB)%n", r.tokensPerSecond(), r.rowsPerSecond(), r.seconds(),
                r.cpuSeconds(), r.packedRows(), r.shards(), r.shardBytes() / 1048576.0);
        out.printf(Locale.ROOT, "ratio prepare / single-thread tokenizer: %.2f%n", r.ratio());
        out.printf(Locale.ROOT, "reading the shards back (smelt train --data DIR): %,.0f packed rows/s (%.1f s), %.1fx faster"
                + " than preparing%n", r.readRowsPerSecond(), r.readSeconds(), r.readSpeedup());
        out.flush();
        return 0;
    }
}
