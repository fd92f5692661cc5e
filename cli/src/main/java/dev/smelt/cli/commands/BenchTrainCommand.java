package dev.smelt.cli.commands;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import dev.smelt.cli.GlobalOptions;
import dev.smelt.core.SmeltException;
import dev.smelt.core.io.AtomicFiles;
import dev.smelt.core.model.Architecture;
import dev.smelt.core.tiny.TinyModelSpec;
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
        "LoRA training speed (r on all linear modules, synthetic rows) of a create-tiny model: seconds per step from two "
        + "trainings of different lengths in fresh JVMs (the fixed setup cost cancels), tokens/s, peak RSS, and the "
        + "achieved FLOP/s as a fraction of libtorch's matmul FLOP/s on the same device and precision, measured in the "
        + "same run. Without --arch/--hidden/--layers: a ~100M-parameter llama (hidden 768, 12 layers, vocab 8192). "
        + "--compare-unfused adds the same runs with the fused q/k/v and gate/up projections and the flat AdamW update "
        + "off, as a baseline."})
public final class BenchTrainCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    @Option(names = "--work-dir", paramLabel = "DIR", description = "Where the benchmark model is written and reused (default: a temp dir).")
    Path workDir;

    @Option(names = "--arch", converter = CreateTinyCommand.ArchConverter.class, paramLabel = "ARCH",
            description = "Architecture of the create-tiny model (llama, qwen2, qwen3, qwen3_5); with it the model is what "
                    + "`smelt create-tiny --arch ARCH --hidden H --layers L` writes (default: the ~100M llama).")
    Architecture arch;

    @Option(names = "--hidden", paramLabel = "H", description = "hidden_size of the create-tiny model (create-tiny's default without it).")
    Integer hidden;

    @Option(names = "--layers", paramLabel = "L", description = "num_hidden_layers of the create-tiny model (create-tiny's default without it).")
    Integer layers;

    @Option(names = "--seq-len", defaultValue = "512", paramLabel = "N", description = "Tokens per row (default: ${DEFAULT-VALUE}).")
    int seqLen;

    @Option(names = "--batch-size", defaultValue = "1", paramLabel = "N", description = "Rows per step (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--steps", defaultValue = "4", paramLabel = "N",
            description = "Steps the longer training runs beyond the shorter one; per step = time difference / N (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--short-steps", defaultValue = "2", paramLabel = "N", description = "Steps of the shorter training (default: ${DEFAULT-VALUE}).")
    int shortSteps;

    @Option(names = "--lora-r", defaultValue = "16", paramLabel = "R", description = "Adapter rank, all linear modules (default: ${DEFAULT-VALUE}).")
    int rank;

    @Option(names = "--compare-unfused", description = "Also train with the fused projections and the flat AdamW update off "
            + "(-Dsmelt.models.fuse=false -Dsmelt.trainer.flatAdamW=false) and print the speed ratio.")
    boolean compareUnfused;

    @Option(names = "--threads", paramLabel = "N", description = "PyTorch CPU threads (default: libtorch's, one per core).")
    Integer threads;

    @Option(names = "--devices", defaultValue = "cpu", paramLabel = "cpu|gpuN", description = "Device to run on (default: ${DEFAULT-VALUE}).")
    String devices;

    @Option(names = "--precision", defaultValue = "fp32", paramLabel = "auto|fp32|fp16",
            description = "Base weights and activations, as in smelt train (default: ${DEFAULT-VALUE}).")
    String precision;

    @Override
    public Integer call() throws Exception {
        if (steps < 1 || shortSteps < 1) throw new SmeltException("--steps and --short-steps must be >= 1");
        if (seqLen < 2 || batchSize < 1) throw new SmeltException("--seq-len must be >= 2 and --batch-size >= 1");
        TorchThreads.configure(threads, TorchThreads.Default.LIBTORCH);
        Device target = Devices.parseOne(devices);
        Devices.requireVisible(target);
        DataType dtype = Precision.parse(precision).dataType(target);
        TinyModelSpec model = arch == null && hidden == null && layers == null ? TrainBenchmark.defaultSpec()
                : TrainBenchmark.createTinySpec(arch == null ? Architecture.LLAMA : arch, hidden, layers);
        Path dir = workDir != null ? workDir : Files.createTempDirectory("smelt-bench-train");
        PrintWriter pw = spec.commandLine().getOut();
        try {
            TrainBenchmark.Report r = TrainBenchmark.run(model, dir, seqLen, batchSize, shortSteps, steps, rank,
                    target, dtype, compareUnfused, GlobalOptions.quiet() ? null : System.err);
            pw.println(String.format(Locale.ROOT, "model: %s, %,d parameters (%,d in matmuls), LoRA r=%d on all linear modules: %,d trainable",
                    r.model(), r.frozenParameters(), r.matmulParameters(), rank, r.loraParameters()));
            TrainBenchmark.Timing f = r.fused();
            pw.println(String.format(Locale.ROOT, "%s, %s, seq-len %d, batch %d: %d and %d steps took %.2f s and %.2f s -> %.3f s/step,"
                    + " %.1f tokens/s (steady step from the trainer's log: %.3f s)", r.device(), r.precision(), r.seqLen(),
                    r.batchSize(), f.shortSteps(), f.longSteps(), f.shortSeconds(), f.longSeconds(), f.stepSeconds(),
                    r.tokensPerSecond(), f.steadyStepSeconds()));
            pw.println(String.format(Locale.ROOT, "FLOPs/token executed (4·N_frozen + 6·N_lora + 12·T·d_attn·L): %.3e -> %.2f GFLOP/s",
                    r.flopsPerToken(), r.achievedFlops() / 1e9));
            pw.println(String.format(Locale.ROOT, "libtorch %s matmul on %s (same run): %.2f GFLOP/s", r.precision(), r.device(),
                    r.matmulFlops() / 1e9));
            pw.println(String.format(Locale.ROOT, "achieved fraction of matmul: %.3f   [6·N convention: %.3f]", r.ratio(), r.ratio6N()));
            pw.println(String.format(Locale.ROOT, "peak %sRSS of the longer training: %.1f MiB (%.2f GiB; budget weights %.2f GiB + 2 GiB: %s)",
                    r.device().equals("cpu") ? "" : "host ", r.peakRssBytes() / 1048576.0,
                    r.peakRssBytes() / 1073741824.0, r.weightBytes() / 1073741824.0,
                    r.peakRssBytes() <= r.rssBudgetBytes() ? "within" : "OVER"));
            if (r.unfused() != null) {
                TrainBenchmark.Timing u = r.unfused();
                pw.println(String.format(Locale.ROOT, "unfused baseline (fusion and flat AdamW off, same run): %.2f s and %.2f s -> %.3f s/step,"
                        + " peak RSS %.1f MiB; speed fused / unfused: %.3f", u.shortSeconds(), u.longSeconds(), u.stepSeconds(),
                        u.peakRssBytes() / 1048576.0, r.speedupOverUnfused()));
            }
            pw.flush();
        } finally {
            if (workDir == null) AtomicFiles.deleteRecursively(dir);
        }
        return 0;
    }
}
