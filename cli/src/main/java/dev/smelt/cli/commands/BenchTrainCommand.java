package dev.smelt.cli.commands;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import dev.smelt.cli.GlobalOptions;
import dev.smelt.core.io.AtomicFiles;
import dev.smelt.models.Devices;
import dev.smelt.models.Precision;
import dev.smelt.models.TorchThreads;
import dev.smelt.trainer.bench.TrainBenchmark;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "train", description = {
        "LoRA training throughput on a ~100M-parameter create-tiny llama (hidden 768, 12 layers) at --seq-len: "
        + "tokens/s and achieved FLOP/s as a ratio to libtorch's matmul FLOP/s on the same device and precision, "
        + "measured in the same run (target >= 0.5), and peak RSS against the weights + 2 GiB budget."})
public final class BenchTrainCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    @Option(names = "--work-dir", paramLabel = "DIR", description = "Where the benchmark model is written and reused (default: a temp dir).")
    Path workDir;

    @Option(names = "--seq-len", defaultValue = "512", paramLabel = "N", description = "Tokens per row (default: ${DEFAULT-VALUE}).")
    int seqLen;

    @Option(names = "--batch-size", defaultValue = "1", paramLabel = "N", description = "Rows per step (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--steps", defaultValue = "4", paramLabel = "N", description = "Measured steps (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--warmup", defaultValue = "2", paramLabel = "N", description = "Unmeasured first steps (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--lora-r", defaultValue = "16", paramLabel = "R", description = "Adapter rank, all linear modules (default: ${DEFAULT-VALUE}).")
    int rank;

    @Option(names = "--threads", paramLabel = "N", description = "PyTorch CPU threads (default: libtorch's, one per core).")
    Integer threads;

    @Option(names = "--devices", defaultValue = "cpu", paramLabel = "cpu|gpuN", description = "Device to run on (default: ${DEFAULT-VALUE}).")
    String devices;

    @Option(names = "--precision", defaultValue = "fp32", paramLabel = "auto|fp32|fp16",
            description = "Base weights and activations, as in smelt train (default: ${DEFAULT-VALUE}).")
    String precision;

    @Override
    public Integer call() throws Exception {
        TorchThreads.configure(threads, TorchThreads.Default.LIBTORCH);
        Device target = Devices.parseOne(devices);
        Devices.requireVisible(target);
        DataType dtype = Precision.parse(precision).dataType(target);
        Path dir = workDir != null ? workDir : Files.createTempDirectory("smelt-bench-train");
        PrintWriter pw = spec.commandLine().getOut();
        try {
            TrainBenchmark.Report r = TrainBenchmark.run(TrainBenchmark.defaultSpec(), dir, seqLen, batchSize, warmup, steps, rank,
                    target, dtype, GlobalOptions.quiet() ? null : System.err);
            pw.println(String.format(Locale.ROOT, "model: %,d parameters (%,d in matmuls), LoRA r=%d on all linear modules: %,d trainable",
                    r.frozenParameters(), r.matmulParameters(), rank, r.loraParameters()));
            pw.println(String.format(Locale.ROOT, "%s, %s, seq-len %d, batch %d, %d measured steps: %.1f tokens/s", r.device(),
                    r.precision(), r.seqLen(), r.batchSize(), r.measuredSteps(), r.tokensPerSecond()));
            pw.println(String.format(Locale.ROOT, "FLOPs/token executed (4·N_frozen + 6·N_lora + 12·T·d_attn·L): %.3e -> %.2f GFLOP/s",
                    r.flopsPerToken(), r.achievedFlops() / 1e9));
            pw.println(String.format(Locale.ROOT, "libtorch %s matmul on %s (same run): %.2f GFLOP/s", r.precision(), r.device(),
                    r.matmulFlops() / 1e9));
            pw.println(String.format(Locale.ROOT, "ratio: %.3f (target >= 0.5)   [6·N convention: %.3f]", r.ratio(), r.ratio6N()));
            pw.println(String.format(Locale.ROOT, "peak %sRSS: %.2f GiB; budget weights %.2f GiB + 2 GiB = %.2f GiB: %s",
                    r.device().equals("cpu") ? "" : "host ",
                    r.peakRssBytes() / 1073741824.0, r.weightBytes() / 1073741824.0, r.rssBudgetBytes() / 1073741824.0,
                    r.peakRssBytes() <= r.rssBudgetBytes() ? "within" : "OVER"));
            pw.flush();
        } finally {
            if (workDir == null) AtomicFiles.deleteRecursively(dir);
        }
        return 0;
    }
}
