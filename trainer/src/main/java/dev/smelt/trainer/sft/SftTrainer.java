package dev.smelt.trainer.sft;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import dev.smelt.core.SmeltException;
import dev.smelt.core.model.ModelDirectory;
import dev.smelt.core.privacy.DjlTelemetry;
import dev.smelt.datasets.length.TrainingSequence;
import dev.smelt.datasets.split.SeededShuffle;
import dev.smelt.models.CausalLM;
import dev.smelt.models.ModelLoader;
import dev.smelt.models.nn.Scalars;
import dev.smelt.trainer.lora.LoraAttach;
import dev.smelt.trainer.lora.LoraBlock;
import dev.smelt.trainer.optim.AdamW;
import dev.smelt.trainer.optim.GradientClipping;
import dev.smelt.trainer.optim.LossScaler;
import dev.smelt.trainer.optim.LrSchedule;
import dev.smelt.trainer.peft.AdapterConfig;
import dev.smelt.trainer.peft.AdapterFiles;
import dev.smelt.trainer.peft.LoraPair;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * LoRA supervised fine-tuning with DJL's autograd ({@link GradientCollector}; DJL's {@code Trainer} does
 * not fit: it owns optimizer state that checkpoints cannot reach and clips per element, not by global norm).
 *
 * <p>One optimizer step = up to {@code gradAccum} micro-batches (never crossing an epoch end); each
 * micro-batch is split by rows across the devices, every device holding a replica of the frozen model and
 * its own copy of the adapters, and the devices run their shards at the same time (a thread each). Loss =
 * summed token cross-entropy / trained tokens of the whole step, so accumulation and data parallelism give
 * the same gradient as one big batch. Gradients are summed on the
 * first device, unscaled (fp16), clipped by global norm and applied by AdamW; the new adapter values are
 * then copied to the other replicas.
 *
 * <p>Everything random is a function of the seed and the step (adapter init from Java RNG, data order by
 * {@code seed + epoch}, dropout RNG reseeded per micro-batch), so a run resumed from a checkpoint ends
 * with the same adapter as an uninterrupted one.
 */
public final class SftTrainer {
    static {
        DjlTelemetry.disable(); // before this class creates DJL objects
    }

    /** What a run produced. */
    public record Result(Path outDir, int steps, int totalSteps, double lastLoss, Double lastEvalLoss, boolean stopped,
            long tokens, double seconds, Path checkpoint) {}

    private final TrainConfig cfg;
    private final TrainingRows data;
    private final PrintStream log;
    private final boolean live;
    private volatile boolean stopRequested;
    /** Test hook: sees the first replica after loading and again before it is closed. */
    Consumer<CausalLM> modelObserver = m -> {};
    private final CountDownLatch finished = new CountDownLatch(1);
    /** One thread per device when training on several (null on one): their shards run at the same time. */
    private ExecutorService deviceThreads;

    public SftTrainer(TrainConfig cfg, TrainingRows data, PrintStream log, boolean live) {
        this.cfg = cfg;
        this.data = data;
        this.log = log;
        this.live = live;
    }

    /** Asks the run to save a checkpoint after the current step and return (Ctrl-C). */
    public void requestStop() {
        stopRequested = true;
    }

    /** Waits until {@link #run} has returned or thrown. */
    public boolean awaitFinished(long timeout, TimeUnit unit) throws InterruptedException {
        return finished.await(timeout, unit);
    }

    /** Optimizer steps of an epoch of {@code rows} rows. */
    public static int stepsPerEpoch(int rows, int batchSize, int gradAccum) {
        int micro = (rows + batchSize - 1) / batchSize;
        return (micro + gradAccum - 1) / gradAccum;
    }

    public int totalSteps() {
        return cfg.maxSteps() > 0 ? cfg.maxSteps()
                : cfg.epochs() * stepsPerEpoch(data.train().size(), cfg.batchSize(), cfg.gradAccum());
    }

    public Result run() throws IOException {
        // grad mode is per thread in libtorch and on by default in threads DJL did not start: updates, evaluation
        // and checkpoint copies must run without it, and only the gradient collector turns it on
        Engine.getInstance(); // loads libtorch before the direct JNI call
        JniUtils.setGradMode(false);
        try {
            return doRun();
        } finally {
            finished.countDown();
        }
    }

    private Result doRun() throws IOException {
        ModelDirectory md = ModelDirectory.open(cfg.modelDir());
        data.validate(cfg.seqLen(), md.config().maxPositionEmbeddings());
        Files.createDirectories(cfg.outDir());
        Checkpoints checkpoints = new Checkpoints(cfg.outDir(), cfg.keepCheckpoints());
        Map<String, String> fingerprint = cfg.fingerprint(data.fingerprint(), modelFingerprint(md));
        Optional<Path> latest = checkpoints.latest();
        if (!cfg.resume() && latest.isPresent()) {
            throw new SmeltException(cfg.outDir() + " already holds checkpoints (" + latest.get().getFileName()
                    + "); pass --resume to continue that run or choose another --out");
        }
        Checkpoints.Loaded resumed = null;
        if (cfg.resume() && latest.isPresent()) {
            resumed = Checkpoints.load(latest.get());
            resumed.state().requireSameRun(latest.get().toString(), fingerprint);
        }

        int total = totalSteps();
        LrSchedule schedule = new LrSchedule(cfg.lr(), cfg.warmupSteps(), total, cfg.schedule());
        AdapterConfig adapterConfig = AdapterConfig.of(cfg.lora(), cfg.baseModelName(), cfg.baseModelRevision());
        List<Replica> replicas = new ArrayList<>();
        try (NDManager host = NDManager.newBaseManager(cfg.devices().get(0))) {
            for (Device d : cfg.devices()) replicas.add(Replica.load(md, d, cfg, resumed == null ? null : resumed.adapter()));
            if (replicas.size() > 1) {
                AtomicInteger id = new AtomicInteger();
                deviceThreads = Executors.newFixedThreadPool(replicas.size(), task -> {
                    Thread t = new Thread(task, "smelt-device-" + id.getAndIncrement());
                    t.setDaemon(true);
                    return t;
                });
            }
            Replica master = replicas.get(0);
            modelObserver.accept(master.model);
            LossScaler scaler = cfg.precision() == DataType.FLOAT16 ? LossScaler.fp16() : LossScaler.disabled();
            int step = 0;
            int epoch = 0;
            int batchInEpoch = 0;
            long tokensSeen = 0;
            AdamW adam = new AdamW(host, 0.9, 0.999, 1e-8, cfg.weightDecay());
            if (resumed != null) {
                adam.restore(resumed.optimizerSteps(), resumed.optimizerState(), master.arraysByName());
                TrainerState st = resumed.state();
                step = st.step();
                epoch = st.epoch();
                batchInEpoch = st.batchInEpoch();
                tokensSeen = st.tokensSeen();
                scaler.restore(st.lossScale(), st.lossScaleGoodSteps());
            }
            ProgressLine progress = new ProgressLine(log, live, Math.max(1, total / 20));
            if (resumed != null) progress.message("resuming from " + resumed.dir() + " (step " + step + "/" + total + ")");
            progress.message(String.format(Locale.ROOT,
                    "training %d adapters (%,d trainable parameters, %,d frozen) on %s, %d rows, %d steps",
                    master.blocks.size(), master.trainableParameters(), md.config().parameterCount(),
                    cfg.deviceNames() + (cfg.precision() == DataType.FLOAT16 ? " in fp16" : ""),
                    data.train().size(), total));
            double lastLoss = Double.NaN;
            Double lastEval = null;
            long started = System.nanoTime();
            long tokensThisRun = 0;
            int stepsThisRun = 0;
            Path lastCheckpoint = resumed == null ? null : resumed.dir();
            int[] order = epochOrder(epoch);
            try (MetricsLog metrics = MetricsLog.open(cfg.outDir(), step)) {
                while (step < total) {
                    if (stopRequested) {
                        lastCheckpoint = save(checkpoints, adapterConfig, master, adam, scaler, step, epoch, batchInEpoch,
                                tokensSeen, fingerprint);
                        progress.message("stopped: checkpoint " + lastCheckpoint + " (continue with --resume)");
                        progress.finish();
                        return new Result(cfg.outDir(), step, total, lastLoss, lastEval, true, tokensThisRun,
                                seconds(started), lastCheckpoint);
                    }
                    // gather this step's micro-batches, never crossing the end of an epoch
                    int microPerEpoch = (data.train().size() + cfg.batchSize() - 1) / cfg.batchSize();
                    if (batchInEpoch >= microPerEpoch) {
                        epoch++;
                        batchInEpoch = 0;
                        order = epochOrder(epoch);
                    }
                    List<HostBatch> micro = new ArrayList<>();
                    while (micro.size() < cfg.gradAccum() && batchInEpoch < microPerEpoch) {
                        micro.add(batch(order, batchInEpoch));
                        batchInEpoch++;
                    }
                    long t0 = System.nanoTime();
                    double lr = schedule.lr(step);
                    StepOutcome out = trainStep(replicas, micro, adam, scaler, lr, step);
                    step++;
                    stepsThisRun++;
                    tokensSeen += out.tokens;
                    tokensThisRun += out.tokens;
                    lastLoss = out.loss;
                    double dt = (System.nanoTime() - t0) / 1e9;
                    double tps = out.tokens / Math.max(1e-9, dt);
                    metrics.train(step, out.loss, lr, out.gradNorm, tps, scaler.enabled() ? out.lossScale : null, !out.applied);
                    double avgStep = seconds(started) / stepsThisRun;
                    progress.update(step, total, out.loss, lr, tokensThisRun / Math.max(1e-9, seconds(started)),
                            avgStep * (total - step));
                    boolean last = step == total;
                    if (!data.validation().isEmpty() && ((cfg.evalEvery() > 0 && step % cfg.evalEvery() == 0) || last)) {
                        lastEval = evaluate(master);
                        metrics.eval(step, lastEval);
                        progress.message(String.format(Locale.ROOT, "step %d: eval loss %.4f, perplexity %.3f",
                                step, lastEval, Math.exp(lastEval)));
                    }
                    if (cfg.saveEvery() > 0 && step % cfg.saveEvery() == 0 && !last) {
                        lastCheckpoint = save(checkpoints, adapterConfig, master, adam, scaler, step, epoch, batchInEpoch,
                                tokensSeen, fingerprint);
                    }
                }
            }
            progress.finish();
            modelObserver.accept(master.model);
            AdapterFiles.write(cfg.outDir(), adapterConfig, master.pairs());
            try {
                LossChart.render(MetricsLog.read(cfg.outDir().resolve(MetricsLog.FILE)), cfg.outDir().resolve(LossChart.FILE));
            } catch (IOException | RuntimeException | LinkageError e) {
                progress.message("warning: loss chart not rendered: " + e);
            }
            return new Result(cfg.outDir(), step, total, lastLoss, lastEval, false, tokensThisRun, seconds(started),
                    lastCheckpoint);
        } finally {
            if (deviceThreads != null) deviceThreads.shutdownNow();
            for (Replica r : replicas) r.close();
        }
    }

    private record StepOutcome(double loss, double gradNorm, long tokens, double lossScale, boolean applied) {}

    private StepOutcome trainStep(List<Replica> replicas, List<HostBatch> micro, AdamW adam, LossScaler scaler, double lr,
            int step) {
        int trained = 0;
        long tokens = 0;
        for (HostBatch b : micro) {
            trained += b.trainedTokens();
            tokens += b.realTokens();
        }
        double denom = Math.max(1, trained);
        Replica master = replicas.get(0);
        HostBatch[] current = {null};
        try {
            double lossSum = accumulate(replicas, micro, scaler, denom, step, current);
            GradientSet grads = gather(replicas, scaler);
            double norm = GradientClipping.globalNorm(grads.grads);
            if (!Double.isFinite(norm) && !scaler.enabled() && Double.isFinite(lossSum)) {
                // In fp32 a finite loss cannot have an infinite gradient here; DJL 0.36 has been seen to leave garbage in a
                // gradient buffer about once in a few hundred steps. The step is deterministic, so it is recomputed.
                grads.close();
                lossSum = accumulate(replicas, micro, scaler, denom, step, current);
                grads = gather(replicas, scaler);
            }
            norm = GradientClipping.clip(grads.grads, cfg.maxGradNorm());
            double usedScale = scaler.scale();
            boolean applied = scaler.update(Double.isFinite(norm));
            if (applied) adam.step(grads.params, lr);
            grads.close();
            for (Replica r : replicas) r.zeroGradients();
            for (int d = 1; d < replicas.size(); d++) replicas.get(d).copyAdapterFrom(master);
            return new StepOutcome(lossSum / denom, norm, tokens, usedScale, applied);
        } catch (EngineException e) {
            throw OutOfMemory.wrap(e, current[0], cfg);
        } catch (OutOfMemoryError e) {
            throw OutOfMemory.wrap(e, current[0], cfg);
        }
    }

    /** Forward and backward over the step's micro-batches into freshly cleared gradients; returns the summed loss. */
    private double accumulate(List<Replica> replicas, List<HostBatch> micro, LossScaler scaler, double denom, int step,
            HostBatch[] current) {
        for (Replica r : replicas) r.zeroGradients();
        double lossSum = 0;
        double lossFactor = scaler.scale() / denom;
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            for (int k = 0; k < micro.size(); k++) {
                current[0] = micro.get(k);
                if (cfg.lora().dropout() > 0) {
                    for (Replica r : replicas) for (LoraBlock b : r.blocks) b.seedDropout(dropoutSeed(step, k) * 64 + replicas.indexOf(r));
                }
                int n = replicas.size();
                double[] losses = new double[n];
                List<Future<?>> running = new ArrayList<>();
                for (int d = 0; d < n; d++) {
                    int from = current[0].rows() * d / n;
                    int to = current[0].rows() * (d + 1) / n;
                    if (to <= from) continue;
                    HostBatch shard = n == 1 ? current[0] : current[0].slice(from, to);
                    Replica r = replicas.get(d);
                    int slot = d;
                    if (n == 1) {
                        losses[slot] = forwardBackward(gc, r, shard, lossFactor);
                    } else {
                        // each device works on its shard at the same time; grad mode is per thread in libtorch
                        running.add(deviceThreads.submit(() -> {
                            JniUtils.setGradMode(true);
                            try {
                                losses[slot] = forwardBackward(gc, r, shard, lossFactor);
                            } finally {
                                JniUtils.setGradMode(false);
                            }
                        }));
                    }
                }
                awaitAll(running);
                for (double l : losses) lossSum += l; // in device order, so the sum does not depend on timing
            }
        }
        JniUtils.setGradMode(false);
        return lossSum;
    }

    /** One replica's forward and backward over its shard; returns the shard's summed (unscaled) loss. */
    private static double forwardBackward(GradientCollector gc, Replica r, HostBatch shard, double lossFactor) {
        try (NDManager sm = r.model.manager().newSubManager()) {
            Device dev = r.model.device();
            NDArray logits = r.model.logits(r.ps, shard.idsOn(sm, dev), shard.positionsOn(sm, dev), shard.segmentsOn(sm, dev),
                    true);
            NDArray ls = MaskedCrossEntropy.sum(logits, shard.targetsOn(sm, dev));
            gc.backward(Scalars.mul(ls, lossFactor));
            return ls.getFloat();
        }
    }

    /** Waits for every device's work; the first failure is rethrown as it was thrown (out-of-memory included). */
    private static void awaitAll(List<Future<?>> running) {
        RuntimeException failure = null;
        for (Future<?> f : running) {
            try {
                f.get();
            } catch (ExecutionException e) {
                Throwable c = e.getCause();
                if (c instanceof Error err) throw err;
                if (failure == null) failure = c instanceof RuntimeException re ? re : new RuntimeException(c);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SmeltException("interrupted while the devices were training");
            }
        }
        if (failure != null) throw failure;
    }

    /** The step's gradients (float32, like the adapters), summed onto the first device and unscaled, by parameter. */
    private static final class GradientSet implements AutoCloseable {
        final Map<String, NDArray[]> params = new LinkedHashMap<>();
        final List<NDArray> grads = new ArrayList<>();
        final List<NDArray> owned = new ArrayList<>();

        @Override
        public void close() {
            owned.forEach(NDArray::close);
        }
    }

    private static GradientSet gather(List<Replica> replicas, LossScaler scaler) {
        GradientSet set = new GradientSet();
        Replica master = replicas.get(0);
        for (Map.Entry<String, Parameter> e : master.params.entrySet()) {
            NDArray w = e.getValue().getArray();
            NDArray g = w.getGradient();
            set.owned.add(g);
            for (int d = 1; d < replicas.size(); d++) {
                NDArray rg = replicas.get(d).params.get(e.getKey()).getArray().getGradient();
                try (NDArray moved = rg.toDevice(w.getDevice(), true)) {
                    g.addi(moved);
                }
                rg.close();
            }
            if (scaler.scale() != 1.0) g.divi((float) scaler.scale());
            set.params.put(e.getKey(), new NDArray[] {w, g});
            set.grads.add(g);
        }
        return set;
    }

    /** Mean token cross-entropy over the validation rows (no dropout, no gradients). */
    private double evaluate(Replica r) {
        List<TrainingSequence> val = data.validation();
        double sum = 0;
        long count = 0;
        for (int i = 0; i < val.size(); i += cfg.batchSize()) {
            HostBatch b = HostBatch.of(val.subList(i, Math.min(val.size(), i + cfg.batchSize())));
            try (NDManager sm = r.model.manager().newSubManager()) {
                Device dev = r.model.device();
                NDArray logits = r.model.logits(r.ps, b.idsOn(sm, dev), b.positionsOn(sm, dev), b.segmentsOn(sm, dev), false);
                sum += MaskedCrossEntropy.sum(logits, b.targetsOn(sm, dev)).getFloat();
                count += b.trainedTokens();
            } catch (EngineException e) {
                throw OutOfMemory.wrap(e, b, cfg);
            }
        }
        return count == 0 ? Double.NaN : sum / count;
    }

    private Path save(Checkpoints checkpoints, AdapterConfig adapterConfig, Replica master, AdamW adam, LossScaler scaler,
            int step, int epoch, int batchInEpoch, long tokensSeen, Map<String, String> fingerprint) throws IOException {
        TrainerState st = new TrainerState(step, epoch, batchInEpoch, tokensSeen, scaler.scale(), scaler.goodSteps(),
                Double.NaN, fingerprint);
        return checkpoints.save(st, adapterConfig, master.pairs(), adam.steps(), adam.stateToHost());
    }

    private int[] epochOrder(int epoch) {
        return SeededShuffle.permutation(data.train().size(), cfg.seed() * 1_000_003L + epoch);
    }

    private HostBatch batch(int[] order, int index) {
        List<TrainingSequence> rows = new ArrayList<>();
        int from = index * cfg.batchSize();
        int to = Math.min(order.length, from + cfg.batchSize());
        for (int i = from; i < to; i++) rows.add(data.train().get(order[i]));
        return HostBatch.of(rows);
    }

    private long dropoutSeed(int step, int micro) {
        long h = cfg.seed() * 0x9E3779B97F4A7C15L + step * 1_000_003L + micro;
        return h ^ (h >>> 31);
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    /** config.json digest: a resume against another base model is refused. */
    static String modelFingerprint(ModelDirectory md) {
        try {
            byte[] cfg = Files.readAllBytes(md.path().resolve(ModelDirectory.CONFIG));
            byte[] d = MessageDigest.getInstance("SHA-256").digest(cfg);
            return md.config().architecture().modelType() + ":" + HexFormat.of().formatHex(d, 0, 8);
        } catch (Exception e) {
            throw new SmeltException(md.path() + ": cannot read config.json: " + e.getMessage(), e);
        }
    }

    /** A frozen model on one device with its adapters. */
    static final class Replica implements AutoCloseable {
        final CausalLM model;
        final List<LoraBlock> blocks;
        final Map<String, Parameter> params = new LinkedHashMap<>();
        final ParameterStore ps;

        private Replica(CausalLM model, List<LoraBlock> blocks) {
            this.model = model;
            this.blocks = blocks;
            for (LoraBlock b : blocks) {
                params.put(b.module() + ".lora_A", b.loraA());
                params.put(b.module() + ".lora_B", b.loraB());
            }
            this.ps = new ParameterStore(model.manager(), false);
            // DJL allocates a gradient buffer when a parameter starts tracking gradients but does not clear it, and
            // backward accumulates into it: without this the first step can add whatever the memory held
            zeroGradients();
        }

        /** Loads the frozen model and attaches fresh adapters, or the values of {@code saved} when resuming. */
        static Replica load(ModelDirectory md, Device device, TrainConfig cfg, AdapterFiles.Adapter saved) {
            CausalLM model;
            try {
                model = ModelLoader.load(md, device, cfg.precision());
            } catch (EngineException e) {
                throw OutOfMemory.wrap(e, null, cfg);
            }
            try {
                List<LoraBlock> blocks = LoraAttach.attachFresh(model, cfg.lora(), cfg.seed());
                if (saved != null) {
                    // values enter through the parameters' initializers: overwriting a gradient-tracking leaf with
                    // NDArray.set leaves its gradient buffer in a bad state in DJL 0.36
                    LoraAttach.detach(model);
                    List<LoraBlock> restored = new ArrayList<>();
                    for (LoraBlock b : blocks) {
                        LoraPair p = saved.pairs().get(b.module());
                        if (p == null) throw new SmeltException("checkpoint has no adapter for module \"" + b.module() + "\"");
                        restored.add(LoraAttach.attachPair(model, p, b.scaling(), cfg.lora().dropout()));
                    }
                    blocks = restored;
                }
                return new Replica(model, blocks);
            } catch (RuntimeException e) {
                model.close();
                throw e;
            }
        }

        long trainableParameters() {
            long n = 0;
            for (Parameter p : params.values()) n += p.getArray().size();
            return n;
        }

        /** The arrays the optimizer updates (the float32 adapter factors). */
        Map<String, NDArray> arraysByName() {
            Map<String, NDArray> m = new LinkedHashMap<>();
            params.forEach((k, v) -> m.put(k, v.getArray()));
            return m;
        }

        List<LoraPair> pairs() {
            List<LoraPair> out = new ArrayList<>();
            for (LoraBlock b : blocks) out.add(b.toPair());
            return out;
        }

        void copyAdapterFrom(Replica master) {
            for (Map.Entry<String, Parameter> e : params.entrySet()) {
                NDArray target = e.getValue().getArray();
                try (NDArray src = master.params.get(e.getKey()).getArray().toDevice(target.getDevice(), true)) {
                    target.muli(0f).addi(src);
                }
            }
        }

        void zeroGradients() {
            for (Parameter p : params.values()) {
                try (NDArray g = p.getArray().getGradient()) {
                    g.set(new NDIndex("..."), 0f);
                }
            }
        }

        @Override
        public void close() {
            model.close();
        }
    }
}
