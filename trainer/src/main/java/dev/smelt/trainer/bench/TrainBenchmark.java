package dev.smelt.trainer.bench;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import dev.smelt.core.SmeltException;
import dev.smelt.core.io.AtomicFiles;
import dev.smelt.core.model.Architecture;
import dev.smelt.core.model.DenseConfig;
import dev.smelt.core.model.ModelConfig;
import dev.smelt.core.model.ModelDirectory;
import dev.smelt.core.model.TensorSpec;
import dev.smelt.core.privacy.DjlTelemetry;
import dev.smelt.core.tiny.TinyModelSpec;
import dev.smelt.core.tiny.TinyModelWriter;
import dev.smelt.datasets.bench.PeakRss;
import dev.smelt.datasets.length.TrainingSequence;
import dev.smelt.datasets.tokenize.TokenizedExample;
import dev.smelt.models.Devices;
import dev.smelt.models.Precision;
import dev.smelt.trainer.lora.LoraSettings;
import dev.smelt.trainer.optim.LrSchedule;
import dev.smelt.trainer.sft.MetricsLog;
import dev.smelt.trainer.sft.SftTrainer;
import dev.smelt.trainer.sft.TrainConfig;
import dev.smelt.trainer.sft.TrainingRows;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * LoRA training throughput on a create-tiny dense model against libtorch's own matmul speed measured in the
 * same process. Work per token is counted as executed: the frozen projections run forward and propagate the
 * input gradient (2 + 2 FLOPs per weight) but compute no weight gradient, the adapters cost 6 FLOPs per
 * parameter, and attention adds 12·T·(heads·head_dim) per layer (QKᵀ and AV, forward and two backward
 * products, over the full T×T the masked kernel computes). The conventional 6·N·tokens figure is reported too.
 * The baseline GEMM runs on the same device and in the same precision as the training.
 */
public final class TrainBenchmark {
    static {
        DjlTelemetry.disable(); // also the entry point of the measuring child JVM
    }

    private TrainBenchmark() {}

    /** What was measured. */
    public record Report(long frozenParameters, long matmulParameters, long loraParameters, int seqLen, int batchSize,
            int measuredSteps, double tokensPerSecond, double flopsPerToken, double flopsPerToken6N, double matmulFlops,
            long peakRssBytes, long weightBytes, String device, String precision) {
        public double achievedFlops() {
            return tokensPerSecond * flopsPerToken;
        }

        public double ratio() {
            return achievedFlops() / matmulFlops;
        }

        public double ratio6N() {
            return tokensPerSecond * flopsPerToken6N / matmulFlops;
        }

        public long rssBudgetBytes() {
            return weightBytes + (2L << 30);
        }
    }

    /** The ~100M-parameter default: llama, hidden 768, 12 layers, 12 heads, MLP 2048, vocab 8192, untied. */
    public static TinyModelSpec defaultSpec() {
        return TinyModelSpec.builder(Architecture.LLAMA).seed(1).hiddenSize(768).numLayers(12).numHeads(12).numKvHeads(12)
                .headDim(64).intermediateSize(2048).vocabSize(8192).tieWordEmbeddings(false).maxPositionEmbeddings(2048).build();
    }

    /**
     * Writes the model (unless {@code workDir} has it) and measures in a child JVM with a small heap, so that peak
     * RSS is that of training alone, not of writing 400 MB of random weights.
     */
    public static Report run(TinyModelSpec spec, Path workDir, int seqLen, int batchSize, int warmupSteps, int measuredSteps,
            int loraRank, Device device, DataType precision, PrintStream log) throws IOException, InterruptedException {
        Path modelDir = workDir.resolve("model");
        if (!Files.isRegularFile(modelDir.resolve("config.json"))) {
            TinyModelWriter.write(spec, modelDir);
            if (log != null) log.println("bench: wrote " + modelDir);
        }
        Path result = workDir.resolve("result.txt");
        Files.deleteIfExists(result);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx256m", "-XX:MaxDirectMemorySize=2g", "-XX:+UseSerialGC"));
        cmd.addAll(DjlTelemetry.childJvmOptions());
        for (String prop : new String[] {"ai.djl.pytorch.num_threads", "ai.djl.pytorch.num_interop_threads"}) {
            if (System.getProperty(prop) != null) cmd.add("-D" + prop + "=" + System.getProperty(prop));
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), TrainBenchmark.class.getName(), workDir.toString(),
                Integer.toString(seqLen), Integer.toString(batchSize), Integer.toString(warmupSteps), Integer.toString(measuredSteps),
                Integer.toString(loraRank), Devices.name(device), precision.name()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.INHERIT);
        // glibc raises its mmap threshold as large blocks are freed, after which activations come from the heap and
        // freed ones stay resident: a fixed 4 MiB threshold sends the big ones (MLP and attention arrays) back to the
        // kernel when freed (2.2 → 2.0 GiB peak here, same speed; 1 MiB also catches the 1.5 MiB hidden-state arrays
        // and costs 45% of the speed in page faults), and two arenas keep libtorch's worker threads from each holding
        // their own
        pb.environment().putIfAbsent("MALLOC_ARENA_MAX", "2");
        pb.environment().putIfAbsent("MALLOC_MMAP_THRESHOLD_", "4194304");
        Process p = pb.start();
        int code = p.waitFor();
        if (code != 0 || !Files.isRegularFile(result)) {
            throw new SmeltException("bench train: the measuring process failed (exit " + code + ")");
        }
        String[] f = Files.readString(result).trim().split(" ");
        return new Report(Long.parseLong(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2]), seqLen, batchSize, measuredSteps,
                Double.parseDouble(f[3]), Double.parseDouble(f[4]), Double.parseDouble(f[5]), Double.parseDouble(f[6]),
                Long.parseLong(f[7]), Long.parseLong(f[8]), Devices.name(device), Precision.name(precision));
    }

    /** Child process: {@code workDir seqLen batch warmup steps rank device precision}; writes the figures to workDir/result.txt. */
    public static void main(String[] args) throws Exception {
        Path workDir = Path.of(args[0]);
        Report r = measure(workDir, Integer.parseInt(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]),
                Integer.parseInt(args[4]), Integer.parseInt(args[5]), Devices.parseOne(args[6]),
                DataType.valueOf(args[7]), System.err);
        AtomicFiles.writeString(workDir.resolve("result.txt"), r.frozenParameters() + " " + r.matmulParameters() + " "
                + r.loraParameters() + " " + r.tokensPerSecond() + " " + r.flopsPerToken() + " " + r.flopsPerToken6N() + " "
                + r.matmulFlops() + " " + r.peakRssBytes() + " " + r.weightBytes() + "\n");
        System.exit(0);
    }

    static Report measure(Path workDir, int seqLen, int batchSize, int warmupSteps, int measuredSteps, int loraRank,
            Device device, DataType precision, PrintStream log) throws IOException {
        Path modelDir = workDir.resolve("model");
        ModelConfig cfg = ModelDirectory.open(modelDir).config();
        long weightBytes = cfg.parameterCount() * (precision == DataType.FLOAT16 ? 2L : 4L); // as loaded, not as stored

        int steps = warmupSteps + measuredSteps;
        SplittableRandom rnd = new SplittableRandom(5);
        List<TrainingSequence> rows = new ArrayList<>();
        for (int i = 0; i < steps * batchSize; i++) {
            int[] ids = new int[seqLen];
            for (int t = 0; t < seqLen; t++) ids[t] = 3 + rnd.nextInt(cfg.vocabSize() - 3);
            rows.add(TrainingSequence.single(new TokenizedExample(ids, ids.clone())));
        }
        Path out = workDir.resolve("run-" + System.nanoTime());
        LoraSettings lora = new LoraSettings(loraRank, 2.0 * loraRank, 0.0, false, new LoraSettings.Targets.AllLinear());
        TrainConfig tc = TrainConfig.builder(modelDir, out).lora(lora).maxSteps(steps).batchSize(batchSize).seqLen(seqLen)
                .learningRate(1e-4).schedule(LrSchedule.Kind.CONSTANT).warmupSteps(0).seed(1).devices(List.of(device))
                .precision(precision).saveEvery(0).keepCheckpoints(1).build();
        // the matmul baseline is taken before and after training and averaged, so that both see the same machine
        double matmulBefore = matmulFlops(cfg.hiddenSize(), cfg instanceof DenseConfig dd ? dd.intermediateSize() : 4 * cfg.hiddenSize(),
                seqLen * batchSize, device, precision);
        new SftTrainer(tc, new TrainingRows(rows, List.of()), log, false).run();

        // tokens/s over the measured steps only (the first ones include allocator and kernel warm-up)
        double tokens = 0;
        double seconds = 0;
        for (MetricsLog.Entry e : MetricsLog.read(out.resolve(MetricsLog.FILE))) {
            if (e.loss() == null || e.step() <= warmupSteps) continue;
            double stepTokens = (double) seqLen * batchSize;
            tokens += stepTokens;
            seconds += stepTokens / e.tokensPerSecond();
        }
        long peak = PeakRss.bytes();
        double matmul = (matmulBefore + matmulFlops(cfg.hiddenSize(),
                cfg instanceof DenseConfig d ? d.intermediateSize() : 4 * cfg.hiddenSize(), seqLen * batchSize, device, precision)) / 2;

        long matmulParams = 0;
        for (TensorSpec t : cfg.tensorSpecs()) {
            if (t.shape().length == 2 && !t.name().endsWith("embed_tokens.weight")) matmulParams += t.numElements();
        }
        if (cfg.tieWordEmbeddings()) matmulParams += (long) cfg.vocabSize() * cfg.hiddenSize();
        long loraParams = 0;
        if (cfg instanceof DenseConfig d) {
            long h = d.hiddenSize(), q = (long) d.numHeads() * d.headDim(), kv = (long) d.numKvHeads() * d.headDim(), i = d.intermediateSize();
            long perLayer = (h + q) + (h + kv) * 2 + (q + h) + 2 * (h + i) + (i + h);
            loraParams = perLayer * loraRank * d.numLayers();
        }
        double attention = cfg instanceof DenseConfig d ? 12.0 * seqLen * d.numHeads() * d.headDim() * d.numLayers() : 0;
        double perToken = 4.0 * matmulParams + 6.0 * loraParams + attention;
        double perToken6N = 6.0 * (matmulParams + loraParams);
        AtomicDelete.quietly(out);
        return new Report(cfg.parameterCount(), matmulParams, loraParams, seqLen, batchSize, measuredSteps,
                tokens / Math.max(1e-9, seconds), perToken, perToken6N, matmul, peak, weightBytes,
                Devices.name(device), Precision.name(precision));
    }

    /**
     * FLOP/s of the model's own projection op ({@code linear}: x [tokens, hidden] · Wᵀ with W [inter, hidden], the MLP
     * shape) on this libtorch, on {@code device} in {@code type}. The op and the weight layout matter: in fp16 on CPU,
     * libtorch multiplies by a transposed weight about 60× faster than by a row-major one. GPU kernels run
     * asynchronously: the clock stops after reading one element of the last product, which waits for all of them.
     */
    public static double matmulFlops(int hidden, int inter, int tokens, Device device, DataType type) {
        Engine.getInstance();
        try (NDManager m = NDManager.newBaseManager(device)) {
            NDArray x = m.randomNormal(new Shape(tokens, hidden)).toType(type, false);
            NDArray w = m.randomNormal(new Shape(inter, hidden)).toType(type, false);
            for (int i = 0; i < 3; i++) project(x, w).close();
            finish(project(x, w));
            int n = 0;
            long t0 = System.nanoTime();
            NDArray last = null;
            while (System.nanoTime() - t0 < 3_000_000_000L || n < 5) {
                if (last != null) last.close();
                last = project(x, w);
                n++;
            }
            finish(last);
            double s = (System.nanoTime() - t0) / 1e9;
            return 2.0 * tokens * hidden * inter * n / s;
        }
    }

    private static NDArray project(NDArray x, NDArray w) {
        return Linear.linear(x, w).singletonOrThrow();
    }

    /** Reads one element, which waits until the array has been computed. */
    private static void finish(NDArray x) {
        try (x; NDArray one = x.get("0, 0").toType(DataType.FLOAT32, false)) {
            one.getFloat();
        }
    }

    private static final class AtomicDelete {
        static void quietly(Path p) {
            try {
                AtomicFiles.deleteRecursively(p);
            } catch (RuntimeException ignored) {
                // a temp run directory; leaving it is harmless
            }
        }
    }
}
