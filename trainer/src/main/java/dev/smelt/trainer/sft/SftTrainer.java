package dev.smelt.trainer.sft;

import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import dev.smelt.core.SmeltException;
import dev.smelt.core.model.ModelDirectory;
import dev.smelt.core.privacy.DjlTelemetry;
import dev.smelt.datasets.length.TrainingSequence;
import dev.smelt.trainer.SettingException;
import dev.smelt.trainer.lora.LoraBlock;
import dev.smelt.trainer.lora.LoraSettings;
import dev.smelt.trainer.optim.AdamW;
import dev.smelt.trainer.optim.GradientClipping;
import dev.smelt.trainer.optim.LossScaler;
import dev.smelt.trainer.optim.LrSchedule;
import dev.smelt.trainer.peft.AdapterConfig;
import dev.smelt.trainer.peft.AdapterFiles;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.IntToLongFunction;

/**
 * LoRA supervised fine-tuning with DJL's autograd ({@link GradientCollector}; DJL's {@code Trainer} does
 * not fit: it owns optimizer state that checkpoints cannot reach and clips per element, not by global norm).
 *
 * <p>One optimizer step = up to {@code gradAccum} micro-batches (never crossing an epoch end), run on every device
 * by {@link DataParallel}. Loss = summed token cross-entropy / trained tokens of the whole step, so accumulation and
 * data parallelism give the same gradient as one big batch. Gradients are unscaled (fp16), clipped by global norm
 * and applied by AdamW. Where the run stands is a {@link RunState}, saved with each checkpoint; everything the user
 * sees ({@code metrics.jsonl}, the progress line, {@code loss.png}) comes from {@link TrainingListener}s.
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
    private final List<TrainingListener> listeners = new ArrayList<>();
    private volatile boolean stopRequested;
    private final CountDownLatch finished = new CountDownLatch(1);

    /** A run that logs progress to {@code log} (none when null), redrawing one line in place when {@code live}. */
    public SftTrainer(TrainConfig cfg, TrainingRows data, PrintStream log, boolean live) {
        this.cfg = cfg;
        this.data = data;
        ProgressLine progress = new ProgressLine(log, live);
        listeners.add(new MetricsListener());
        listeners.add(progress);
        listeners.add(new LossChartListener(progress));
    }

    /** Adds a listener, called after the built-in ones (metrics.jsonl, progress, loss chart). */
    public SftTrainer addListener(TrainingListener listener) {
        listeners.add(listener);
        return this;
    }

    /** Asks the run to save a checkpoint after the current step and return (Ctrl-C). */
    public void requestStop() {
        stopRequested = true;
    }

    /** Waits until {@link #run} has returned or thrown. */
    public boolean awaitFinished(long timeout, TimeUnit unit) throws InterruptedException {
        return finished.await(timeout, unit);
    }

    public int totalSteps() {
        return cfg.totalSteps(data.train().size());
    }

    public Result run() throws IOException {
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
        int total = totalSteps();
        Map<String, String> fingerprint = cfg.fingerprint(data.fingerprint(), modelFingerprint(md), data.train().size());
        Checkpoints checkpoints = new Checkpoints(cfg.outDir(), cfg.keepCheckpoints());
        Optional<Checkpoints.Loaded> resumed = resumePoint(checkpoints, fingerprint);
        try (NDManager host = NDManager.newBaseManager(cfg.devices().get(0));
                DataParallel parallel = DataParallel.load(md, cfg, resumed.map(Checkpoints.Loaded::adapter).orElse(null))) {
            LossScaler scaler = cfg.precision() == DataType.FLOAT16 ? LossScaler.fp16() : LossScaler.disabled();
            AdamW adam = new AdamW(host, 0.9, 0.999, 1e-8, cfg.weightDecay());
            RunState state = RunState.start(scaler.scale());
            if (resumed.isPresent()) {
                state = resumed.get().state().run();
                adam.restore(resumed.get().optimizerSteps(), resumed.get().optimizerState(), parallel.first().arraysByName());
                scaler.restore(state.lossScale(), state.lossScaleGoodSteps());
            }
            Loop loop = new Loop(parallel, adam, scaler, new LrSchedule(cfg.learningRate(), cfg.warmupStepsFor(total), total,
                    cfg.schedule()), checkpoints, fingerprint, total);
            Replica first = parallel.first();
            TrainingListener.Start start = new TrainingListener.Start(cfg, first.model, state, total,
                    resumed.map(Checkpoints.Loaded::dir), first.blocks.size(), first.trainableParameters(),
                    md.config().parameterCount(), data.train().size());
            Result result;
            try {
                notifyListeners(l -> l.onTrainingBegin(start));
                result = fit(loop, state, resumed.map(Checkpoints.Loaded::dir).orElse(null));
            } catch (IOException | RuntimeException | Error e) {
                try {
                    notifyListeners(l -> l.onTrainingEnd(Optional.empty()));
                } catch (RuntimeException suppressed) {
                    e.addSuppressed(suppressed);
                }
                throw e;
            }
            notifyListeners(l -> l.onTrainingEnd(Optional.of(result)));
            return result;
        }
    }

    /** What one run works with. */
    private record Loop(DataParallel parallel, AdamW adam, LossScaler scaler, LrSchedule schedule, Checkpoints checkpoints,
            Map<String, String> fingerprint, int total) {}

    /** The training loop: steps until the total, evaluating and checkpointing on schedule; stops early when asked. */
    private Result fit(Loop loop, RunState state, Path lastCheckpoint) throws IOException {
        DataCursor cursor = new DataCursor(data.train(), cfg.batchSize(), cfg.seed(), state.epoch(), state.batchInEpoch());
        long started = System.nanoTime();
        long runTokens = 0;
        int runSteps = 0;
        double lastLoss = Double.NaN;
        Double lastEval = null;
        while (state.step() < loop.total()) {
            if (stopRequested) {
                lastCheckpoint = save(loop, state);
                return new Result(cfg.outDir(), state.step(), loop.total(), lastLoss, lastEval, true, runTokens,
                        seconds(started), lastCheckpoint);
            }
            long t0 = System.nanoTime();
            double lr = loop.schedule().lr(state.step());
            StepOutcome out = trainStep(loop, cursor.nextStep(cfg.gradAccum()), lr, state.step());
            state = state.next(cursor.epoch(), cursor.batchInEpoch(), out.tokens(), loop.scaler().scale(),
                    loop.scaler().goodSteps());
            runSteps++;
            runTokens += out.tokens();
            lastLoss = out.loss();
            double tokensPerSecond = out.tokens() / Math.max(1e-9, (System.nanoTime() - t0) / 1e9);
            TrainingListener.Step step = new TrainingListener.Step(state.step(), loop.total(), out.loss(), lr, out.gradNorm(),
                    tokensPerSecond, loop.scaler().enabled() ? Optional.of(out.lossScale()) : Optional.empty(), !out.applied(),
                    runTokens, seconds(started), runSteps);
            notifyListeners(l -> l.onStep(step));
            int done = state.step();
            boolean last = done == loop.total();
            if (!data.validation().isEmpty() && ((cfg.evalEvery() > 0 && done % cfg.evalEvery() == 0) || last)) {
                double evalLoss = evaluate(loop.parallel());
                lastEval = evalLoss;
                notifyListeners(l -> l.onEval(done, evalLoss));
            }
            if (cfg.saveEvery() > 0 && done % cfg.saveEvery() == 0 && !last) lastCheckpoint = save(loop, state);
        }
        AdapterFiles.write(cfg.outDir(), adapterConfig(loop.parallel().first()), loop.parallel().first().pairs(), data.chatTemplateKwargs());
        return new Result(cfg.outDir(), state.step(), loop.total(), lastLoss, lastEval, false, runTokens, seconds(started),
                lastCheckpoint);
    }

    private record StepOutcome(double loss, double gradNorm, long tokens, double lossScale, boolean applied) {}

    /** One optimizer step over {@code micro} on every device: forward, backward, unscale, clip, update. */
    private StepOutcome trainStep(Loop loop, List<HostBatch> micro, double lr, int step) {
        int trained = 0;
        long tokens = 0;
        for (HostBatch b : micro) {
            trained += b.trainedTokens();
            tokens += b.realTokens();
        }
        double denom = Math.max(1, trained);
        DataParallel parallel = loop.parallel();
        LossScaler scaler = loop.scaler();
        IntToLongFunction dropout = cfg.lora().dropout() > 0 ? k -> dropoutSeed(step, k) : null;
        try {
            double lossSum = parallel.accumulate(micro, scaler.scale() / denom, dropout);
            DataParallel.Gradients grads = parallel.gather(scaler.scale());
            double norm = GradientClipping.globalNorm(grads.grads);
            if (!Double.isFinite(norm) && !scaler.enabled() && Double.isFinite(lossSum)) {
                // In fp32 a finite loss cannot have an infinite gradient here; DJL 0.36 has been seen to leave garbage in a
                // gradient buffer about once in a few hundred steps. The step is deterministic, so it is recomputed.
                grads.close();
                lossSum = parallel.accumulate(micro, scaler.scale() / denom, dropout);
                grads = parallel.gather(scaler.scale());
            }
            norm = GradientClipping.clip(grads.grads, cfg.maxGradNorm(), norm);
            double usedScale = scaler.scale();
            boolean applied = scaler.update(Double.isFinite(norm));
            if (applied) loop.adam().step(grads.params, lr);
            grads.close();
            parallel.finishStep();
            return new StepOutcome(lossSum / denom, norm, tokens, usedScale, applied);
        } catch (EngineException e) {
            throw OutOfMemory.wrap(e, parallel.current(), cfg);
        } catch (OutOfMemoryError e) {
            throw OutOfMemory.wrap(e, parallel.current(), cfg);
        }
    }

    /** Mean token cross-entropy over the validation rows (no dropout, no gradients). */
    private double evaluate(DataParallel parallel) {
        List<TrainingSequence> val = data.validation();
        double sum = 0;
        long count = 0;
        for (int i = 0; i < val.size(); i += cfg.batchSize()) {
            HostBatch b = HostBatch.of(val.subList(i, Math.min(val.size(), i + cfg.batchSize())));
            try {
                sum += parallel.evalLossSum(b);
            } catch (EngineException e) {
                throw OutOfMemory.wrap(e, b, cfg);
            }
            count += b.trainedTokens();
        }
        return count == 0 ? Double.NaN : sum / count;
    }

    /** Writes a checkpoint of {@code state} with the first replica's adapters and the optimizer moments. */
    private Path save(Loop loop, RunState state) throws IOException {
        Path dir = loop.checkpoints().save(new TrainerState(state, Double.NaN, loop.fingerprint()), adapterConfig(loop.parallel().first()),
                loop.parallel().first().pairs(), loop.adam().steps(), loop.adam().stateToHost());
        notifyListeners(l -> l.onCheckpoint(state.step(), dir));
        return dir;
    }

    /** The checkpoint to continue from: the newest one when resuming, after checking it was written by this run. */
    private Optional<Checkpoints.Loaded> resumePoint(Checkpoints checkpoints, Map<String, String> fingerprint) {
        Optional<Path> latest = checkpoints.latest();
        if (latest.isEmpty()) return Optional.empty();
        if (!cfg.resume()) {
            throw new SettingException(cfg.outDir() + " already holds checkpoints (" + latest.get().getFileName()
                    + "); use {resume} to continue that run or choose another {outDir}");
        }
        Checkpoints.Loaded loaded = Checkpoints.load(latest.get());
        loaded.state().requireSameRun(latest.get().toString(), fingerprint);
        return Optional.of(loaded);
    }

    /**
     * The adapter's PEFT config. With the vision merger trained, {@code target_modules} lists every adapted module by
     * its full path: a leaf name such as {@code linear_fc1} would also match the vision blocks' MLP layers in PEFT.
     */
    private AdapterConfig adapterConfig(Replica replica) {
        LoraSettings lora = cfg.lora();
        if (cfg.trainVisionMerger()) {
            List<String> modules = new ArrayList<>();
            for (LoraBlock b : replica.blocks) modules.add(b.module());
            lora = new LoraSettings(lora.r(), lora.alpha(), lora.dropout(), lora.useRslora(), new LoraSettings.Targets.Names(modules));
        }
        return AdapterConfig.of(lora, cfg.baseModelName(), cfg.baseModelRevision());
    }

    private void notifyListeners(Consumer<TrainingListener> event) {
        for (TrainingListener l : listeners) event.accept(l);
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
}
