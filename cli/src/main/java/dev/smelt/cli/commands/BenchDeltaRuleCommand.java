package dev.smelt.cli.commands;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import dev.smelt.core.SmeltException;
import dev.smelt.core.model.Architecture;
import dev.smelt.core.model.ModelDirectory;
import dev.smelt.core.model.Qwen35Config;
import dev.smelt.core.tiny.TinyModelSpec;
import dev.smelt.core.tiny.TinyModelWriter;
import dev.smelt.models.Devices;
import dev.smelt.models.ModelLoader;
import dev.smelt.models.TorchThreads;
import dev.smelt.models.qwen35.DeltaRuleBenchmark;
import dev.smelt.models.qwen35.Qwen35Model;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "delta-rule", description = {
        "Qwen3.5 training throughput (forward + backward, tokens/s) with the chunked gated delta rule vs the naive "
        + "per-token recurrence, same model and batch, same run. Prints both rates, their ratio and the largest "
        + "logit difference between the two forms."})
public final class BenchDeltaRuleCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", paramLabel = "DIR",
            description = "A qwen3_5 model directory (default: a random qwen3_5 with hidden 256, 4 layers, written to a temp dir).")
    Path model;

    @Option(names = "--seq-len", defaultValue = "2048", description = "Tokens per sequence (default: ${DEFAULT-VALUE}).")
    int seqLen;

    @Option(names = "--batch", defaultValue = "1", description = "Sequences per step (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--chunk", defaultValue = "64", description = "Chunk size of the chunked form (default: ${DEFAULT-VALUE}).")
    int chunk;

    @Option(names = "--steps", defaultValue = "2", description = "Timed steps per form after one warm-up step (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--devices", defaultValue = "cpu", paramLabel = "cpu|gpuN", description = "Device to run on (default: ${DEFAULT-VALUE}).")
    String devices;

    @Option(names = "--threads", paramLabel = "N", description = "PyTorch CPU threads (default: half the processors, at least 1).")
    Integer threads;

    @Override
    public Integer call() throws IOException {
        TorchThreads.configure(threads, TorchThreads.Default.HALF_PROCESSORS);
        Device dev = Devices.parseOne(devices);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Path temp = null;
        Path dir = model;
        if (dir == null) {
            temp = Files.createTempDirectory("smelt-bench-qwen35-");
            TinyModelSpec tiny = TinyModelSpec.builder(Architecture.QWEN3_5).seed(0).hiddenSize(256).numLayers(4)
                    .intermediateSize(512).linearKeyHeads(4).linearValueHeads(8).linearHeadDim(32)
                    .maxPositionEmbeddings(Math.max(4096, seqLen)).build();
            dir = TinyModelWriter.write(tiny, temp.resolve("model")).directory();
        }
        try {
            ModelDirectory md = ModelDirectory.open(dir);
            if (!(md.config() instanceof Qwen35Config)) {
                throw new SmeltException(dir + ": model_type is " + md.config().architecture().modelType()
                        + ", the delta-rule benchmark needs a qwen3_5 model");
            }
            try (Qwen35Model lm = (Qwen35Model) ModelLoader.load(md, dev, DataType.FLOAT32)) {
                out.printf(Locale.ROOT, "model: %s%n", lm);
                out.printf(Locale.ROOT, "batch %d x seq-len %d, %d timed steps per form, device %s%n", batch, seqLen, steps, dev);
                out.flush();
                DeltaRuleBenchmark.Result r = new DeltaRuleBenchmark(lm, line -> {
                    err.println(line);
                    err.flush();
                }).run(seqLen, batch, chunk, steps);
                out.printf(Locale.ROOT, "naive recurrence:   %.1f tokens/s%n", r.naiveTokensPerSecond());
                out.printf(Locale.ROOT, "chunked (C=%d):     %.1f tokens/s%n", r.chunk(), r.chunkedTokensPerSecond());
                out.printf(Locale.ROOT, "ratio: %.2f%n", r.speedup());
                out.printf(Locale.ROOT, "max |logit difference|: %.2e%n", r.maxLogitDifference());
                out.flush();
            }
            return 0;
        } finally {
            if (temp != null) deleteTree(temp);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
