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
import dev.smelt.models.nn.FusedProjections;
import dev.smelt.trainer.lora.LoraSettings;
import dev.smelt.trainer.optim.AdamW;
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
 * LoRA training speed on a create-tiny model against libtorch's own matmul speed measured in the same run.
 *
 * <p>Each figure comes from child JVMs (small heap, so peak RSS is training alone): one trains {@code shortSteps}
 * steps, another {@code shortSteps + extraSteps}, each timing its whole training (model load, adapters, data,
 * steps, adapter files); the difference divided by {@code extraSteps} is the time of one step with the fixed setup
 * cost cancelled, the way a Python run of transformers + PEFT at two {@code max_steps} is measured. With
 * {@code compareUnfused} the same two runs are repeated with the projection fusion and the flat AdamW update off
 * ({@code -Dsmelt.models.fuse=false -Dsmelt.trainer.flatAdamW=false}, see {@code models.nn.FusedProjections} and
 * {@link AdamW}), alternating, as a baseline.
 *
 * <p>Work per token is counted as executed: the frozen projections run forward and propagate the
 * input gradient (2 + 2 FLOPs per weight) but compute no weight gradient, the adapters cost 6 FLOPs per
 * parameter, and attention adds 12·T·(heads·head_dim) per layer (QKᵀ and AV, forward and two backward
 * products, over the full T×T the masked kernel computes). The conventional 6·N·tokens figure is reported too.
 * The baseline GEMM runs on the same device and in the same precision as the training.
 */
public final class TrainBenchmark {
    static {
        DjlTelemetry.disable(); // also the entry point of the measuring child JVM
    }

    /** The system property that turns the fused q/k/v and gate/up projections off (read by the models module). */
    public static final String FUSE_PROPERTY = FusedProjections.PROPERTY;

    private TrainBenchmark() {}

    /** One variant's two runs: seconds of the short and the long training, and the long run's peak RSS. */
    public record Timing(int shortSteps, int longSteps, double shortSeconds, double longSeconds, double steadyStepSeconds,
            long peakRssBytes) {
        /** Seconds per step with the fixed cost cancelled: (long − short) / (longSteps − shortSteps). */
        public double stepSeconds() {
            return (longSeconds - shortSeconds) / (longSteps - shortSteps);
        }
    }

    /** What was measured; {@code unfused} is null unless the baseline was asked for. */
    public record Report(String model, long frozenParameters, long matmulParameters, long loraParameters, int seqLen,
            int batchSize, Timing fused, Timing unfused, double flopsPerToken, double flopsPerToken6N, double matmulFlops,
            long weightBytes, String device, String precision) {
        public double tokensPerSecond() {
            return (double) seqLen * batchSize / fused.stepSeconds();
        }

        public long peakRssBytes() {
            return fused.peakRssBytes();
        }

        public double achievedFlops() {
            return tokensPerSecond() * flopsPerToken;
        }

        public double ratio() {
            return achievedFlops() / matmulFlops;
        }

        public double ratio6N() {
            return tokensPerSecond() * flopsPerToken6N / matmulFlops;
        }

        /** Unfused seconds per step / fused seconds per step (> 1: the fusion is faster), or NaN without a baseline. */
        public double speedupOverUnfused() {
            return unfused == null ? Double.NaN : unfused.stepSeconds() / fused.stepSeconds();
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
     * The model {@code smelt create-tiny --arch ARCH --hidden H --layers L} writes (its defaults for everything else:
     * 4 heads, kv heads = heads / 2, head dim = hidden / heads, MLP 3 × hidden, vocab 1024, seed 0).
     */
    public static TinyModelSpec createTinySpec(Architecture arch, Integer hidden, Integer layers) {
        return TinyModelSpec.builder(arch).hiddenSize(hidden).numLayers(layers).build();
    }

    /**
     * Writes the model (unless {@code workDir} has it), then trains it in child JVMs: {@code shortSteps} and
     * {@code shortSteps + extraSteps} steps, with and (when {@code compareUnfused}) without the projection fusion.
     */
    public static Report run(TinyModelSpec spec, Path workDir, int seqLen, int batchSize, int shortSteps, int extraSteps,
            int loraRank, Device device, DataType precision, boolean compareUnfused, PrintStream log)
            throws IOException, InterruptedException {
        if (shortSteps < 1 || extraSteps < 1) throw new SmeltException("bench train: the short run and the extra steps need >= 1 step each");
        Path modelDir = workDir.resolve("model");
        if (!Files.isRegularFile(modelDir.resolve("config.json"))) {
            TinyModelWriter.write(spec, modelDir);
            if (log != null) log.println("bench: wrote " + modelDir);
        }
        int longSteps = shortSteps + extraSteps;
        String[] shortF = child(workDir, seqLen, batchSize, shortSteps, loraRank, device, precision, true, false, log);
        String[] shortU = compareUnfused ? child(workDir, seqLen, batchSize, shortSteps, loraRank, device, precision, false, false, log) : null;
        String[] longF = child(workDir, seqLen, batchSize, longSteps, loraRank, device, precision, true, true, log);
        String[] longU = compareUnfused ? child(workDir, seqLen, batchSize, longSteps, loraRank, device, precision, false, false, log) : null;
        Timing fused = timing(shortSteps, longSteps, shortF, longF);
        Timing unfused = compareUnfused ? timing(shortSteps, longSteps, shortU, longU) : null;
        return new Report(spec.architecture().modelType() + " hidden " + spec.hiddenSize() + " x " + spec.numLayers() + " layers",
                Long.parseLong(longF[4]), Long.parseLong(longF[5]), Long.parseLong(longF[6]), seqLen, batchSize, fused, unfused,
                Double.parseDouble(longF[7]), Double.parseDouble(longF[8]), Double.parseDouble(longF[3]), Long.parseLong(longF[9]),
                Devices.name(device), Precision.name(precision));
    }

    private static Timing timing(int shortSteps, int longSteps, String[] s, String[] l) {
        return new Timing(shortSteps, longSteps, Double.parseDouble(s[0]), Double.parseDouble(l[0]), Double.parseDouble(l[1]),
                Long.parseLong(l[2]));
    }

    /** Runs one measuring child JVM and returns the fields of its result line. */
    private static String[] child(Path workDir, int seqLen, int batchSize, int steps, int loraRank, Device device,
            DataType precision, boolean fuse, boolean matmul, PrintStream log) throws IOException, InterruptedException {
        if (log != null) log.println("bench: training " + steps + " step(s), fusion " + (fuse ? "on" : "off"));
        Path result = workDir.resolve("result.txt");
        Files.deleteIfExists(result);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx256m", "-XX:MaxDirectMemorySize=2g", "-XX:+UseSerialGC",
                "-D" + FUSE_PROPERTY + "=" + fuse, "-D" + AdamW.FLAT_PROPERTY + "=" + fuse));
        cmd.addAll(DjlTelemetry.childJvmOptions());
        for (String prop : new String[] {"ai.djl.pytorch.num_threads", "ai.djl.pytorch.num_interop_threads"}) {
            if (System.getProperty(prop) != null) cmd.add("-D" + prop + "=" + System.getProperty(prop));
        }
        String extra = System.getenv("SMELT_BENCH_CHILD_OPTS"); // e.g. a flight recording for profiling
        if (extra != null && !extra.isBlank()) cmd.addAll(List.of(extra.trim().split("\\s+")));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), TrainBenchmark.class.getName(), workDir.toString(),
                Integer.toString(seqLen), Integer.toString(batchSize), Integer.toString(steps),
                Integer.toString(loraRank), Devices.name(device), precision.name(), Boolean.toString(matmul)));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.INHERIT);
        // The child runs with the allocator settings a user's `java -jar smelt-cli.jar train` has: glibc's defaults
        // unless the caller's environment sets MALLOC_* (passed through). A fixed 4 MiB MALLOC_MMAP_THRESHOLD_, used
        // here until session 8, mapped and unmapped every large activation on each step: 1.35 s/step against 0.81
        // with the default dynamic threshold (hidden 512 x 8, seq 256 x 4), for 5% less peak RSS.
        Process p = pb.start();
        int code = p.waitFor();
        if (code != 0 || !Files.isRegularFile(result)) {
            throw new SmeltException("bench train: the measuring process failed (exit " + code + ")");
        }
        return Files.readString(result).trim().split(" ");
    }

    /**
     * Child process: {@code workDir seqLen batch steps rank device precision matmul}; trains {@code steps} steps and
     * writes {@code seconds steadyStepSeconds peakRss matmulFlops frozen matmulParams lora flopsPerToken flops6N
     * weightBytes} to workDir/result.txt.
     */
    public static void main(String[] args) throws Exception {
        Path workDir = Path.of(args[0]);
        String line = measure(workDir, Integer.parseInt(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]),
                Integer.parseInt(args[4]), Devices.parseOne(args[5]), DataType.valueOf(args[6]), Boolean.parseBoolean(args[7]),
                System.err);
        AtomicFiles.writeString(workDir.resolve("result.txt"), line + "\n");
        System.exit(0);
    }

    static String measure(Path workDir, int seqLen, int batchSize, int steps, int loraRank, Device device, DataType precision,
            boolean measureMatmul, PrintStream log) throws IOException {
        Path modelDir = workDir.resolve("model");
        ModelConfig cfg = ModelDirectory.open(modelDir).config();
        long weightBytes = cfg.parameterCount() * (precision == DataType.FLOAT16 ? 2L : 4L); // as loaded, not as stored
        int inter = cfg instanceof DenseConfig dd ? dd.intermediateSize() : 4 * cfg.hiddenSize();

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
        double matmulBefore = measureMatmul ? matmulFlops(cfg.hiddenSize(), inter, seqLen * batchSize, device, precision) : 0;
        long t0 = System.nanoTime();
        new SftTrainer(tc, new TrainingRows(rows, List.of()), log, false).run();
        double seconds = (System.nanoTime() - t0) / 1e9;
        long peak = PeakRss.bytes();

        // the steady step: median of the steps after the first, from the trainer's own per-step throughput
        List<Double> stepSeconds = new ArrayList<>();
        for (MetricsLog.Entry e : MetricsLog.read(out.resolve(MetricsLog.FILE))) {
            if (e.loss() == null || e.step() <= 1 || e.tokensPerSecond() == null) continue;
            stepSeconds.add((double) seqLen * batchSize / e.tokensPerSecond());
        }
        stepSeconds.sort(null);
        double steady = stepSeconds.isEmpty() ? Double.NaN : stepSeconds.get(stepSeconds.size() / 2);
        double matmul = measureMatmul
                ? (matmulBefore + matmulFlops(cfg.hiddenSize(), inter, seqLen * batchSize, device, precision)) / 2 : 0;

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
        return seconds + " " + steady + " " + peak + " " + matmul + " " + cfg.parameterCount() + " " + matmulParams + " "
                + loraParams + " " + perToken + " " + perToken6N + " " + weightBytes;
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
