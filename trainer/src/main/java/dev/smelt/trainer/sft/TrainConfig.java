package dev.smelt.trainer.sft;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import dev.smelt.core.model.ModelDirectory;
import dev.smelt.models.Devices;
import dev.smelt.models.Precision;
import dev.smelt.trainer.SettingException;
import dev.smelt.trainer.lora.LoraSettings;
import dev.smelt.trainer.optim.LrSchedule;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * Every setting of an SFT run; build one with {@link #builder}, which holds the defaults. {@code batchSize} is
 * rows per micro-batch (split across devices), {@code gradAccum} micro-batches make one optimizer step, and
 * {@code maxSteps > 0} overrides {@code epochs}. Without {@code warmupSteps} the warm-up is {@code warmupShare}
 * of the run's steps, which depend on the training rows ({@link #totalSteps}). Errors name settings by their
 * component names ({@code learningRate must be > 0}), as {@link SettingException}s.
 */
public record TrainConfig(
        Path modelDir,
        Path outDir,
        LoraSettings lora,
        int epochs,
        int maxSteps,
        int batchSize,
        int gradAccum,
        int seqLen,
        double learningRate,
        LrSchedule.Kind schedule,
        OptionalInt warmupSteps,
        double warmupShare,
        double weightDecay,
        double maxGradNorm,
        long seed,
        List<Device> devices,
        DataType precision,
        int evalEvery,
        int saveEvery,
        int keepCheckpoints,
        boolean resume,
        String baseModelName,
        String baseModelRevision,
        boolean trainVisionMerger) {

    public static final int DEFAULT_LORA_RANK = 16;
    public static final double DEFAULT_LORA_ALPHA = 32;
    public static final double DEFAULT_LORA_DROPOUT = 0.05;
    public static final int DEFAULT_EPOCHS = 1;
    public static final int DEFAULT_BATCH_SIZE = 4;
    public static final int DEFAULT_GRAD_ACCUM = 1;
    /** Used when it fits the model's context ({@code max_position_embeddings}); capped to the context otherwise. */
    public static final int DEFAULT_SEQ_LEN = 2048;
    public static final double DEFAULT_LEARNING_RATE = 2e-4;
    public static final LrSchedule.Kind DEFAULT_SCHEDULE = LrSchedule.Kind.COSINE;
    /** Share of the run's optimizer steps spent warming up when {@code warmupSteps} is not set (rounded up). */
    public static final double DEFAULT_WARMUP_SHARE = 0.03;
    public static final double DEFAULT_WEIGHT_DECAY = 0.0;
    public static final double DEFAULT_MAX_GRAD_NORM = 1.0;
    public static final long DEFAULT_SEED = 42;
    public static final int DEFAULT_SAVE_EVERY = 100;
    public static final int DEFAULT_KEEP_CHECKPOINTS = 2;

    public TrainConfig {
        devices = List.copyOf(devices);
        if (devices.isEmpty()) throw new SettingException("{devices} must name at least one device");
        if (epochs <= 0 && maxSteps <= 0) throw new SettingException("{epochs} must be >= 1 (or set {maxSteps})");
        if (maxSteps < 0) throw new SettingException("{maxSteps} must be >= 0, got " + maxSteps);
        if (batchSize <= 0) throw new SettingException("{batchSize} must be >= 1, got " + batchSize);
        if (gradAccum <= 0) throw new SettingException("{gradAccum} must be >= 1, got " + gradAccum);
        if (seqLen <= 1) throw new SettingException("{seqLen} must be >= 2, got " + seqLen);
        if (batchSize < devices.size()) {
            throw new SettingException("{batchSize} " + batchSize + " is smaller than the number of {devices} (" + devices.size() + ")");
        }
        if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
            throw new SettingException("{learningRate} must be > 0, got " + learningRate);
        }
        if (warmupSteps.isPresent() && warmupSteps.getAsInt() < 0) {
            throw new SettingException("{warmupSteps} must be >= 0, got " + warmupSteps.getAsInt());
        }
        if (!(warmupShare >= 0 && warmupShare <= 1)) throw new SettingException("{warmupShare} must be in [0, 1], got " + warmupShare);
        if (!(weightDecay >= 0)) throw new SettingException("{weightDecay} must be >= 0, got " + weightDecay);
        if (!(maxGradNorm >= 0)) throw new SettingException("{maxGradNorm} must be >= 0 (0 = no clipping), got " + maxGradNorm);
        if (precision == DataType.BFLOAT16) throw new SettingException("{precision} " + Precision.BF16_UNAVAILABLE);
        if (precision != DataType.FLOAT32 && precision != DataType.FLOAT16) {
            throw new SettingException("{precision} must be fp32 or fp16");
        }
        if (evalEvery < 0 || saveEvery < 0) throw new SettingException("{evalEvery} and {saveEvery} must be >= 0");
        if (keepCheckpoints < 1) throw new SettingException("{keepCheckpoints} must be >= 1, got " + keepCheckpoints);
    }

    /** Settings with the defaults above; {@code modelDir} is read only to cap the default sequence length. */
    public static Builder builder(Path modelDir, Path outDir) {
        return new Builder(modelDir, outDir);
    }

    /** A builder holding these settings, to derive a changed copy. */
    public Builder toBuilder() {
        Builder b = builder(modelDir, outDir).lora(lora).epochs(epochs).maxSteps(maxSteps).batchSize(batchSize)
                .gradAccum(gradAccum).seqLen(seqLen).learningRate(learningRate).schedule(schedule).warmupShare(warmupShare)
                .weightDecay(weightDecay).maxGradNorm(maxGradNorm).seed(seed).devices(devices).precision(precision)
                .evalEvery(evalEvery).saveEvery(saveEvery).keepCheckpoints(keepCheckpoints).resume(resume)
                .baseModel(baseModelName, baseModelRevision).trainVisionMerger(trainVisionMerger);
        warmupSteps.ifPresent(b::warmupSteps);
        return b;
    }

    /** Optimizer steps of one epoch over {@code trainRows} rows. */
    public int stepsPerEpoch(int trainRows) {
        int micro = (trainRows + batchSize - 1) / batchSize;
        return (micro + gradAccum - 1) / gradAccum;
    }

    /** Optimizer steps of the run: {@code maxSteps} when set, else {@code epochs} epochs over {@code trainRows} rows. */
    public int totalSteps(int trainRows) {
        return maxSteps > 0 ? maxSteps : epochs * stepsPerEpoch(trainRows);
    }

    /** Warm-up steps of a run of {@code totalSteps}: {@code warmupSteps}, or {@code warmupShare} of the run rounded up. */
    public int warmupStepsFor(int totalSteps) {
        return warmupSteps.orElse((int) Math.ceil(totalSteps * warmupShare));
    }

    /** The devices as the command line names them: {@code cpu}, {@code gpu0,gpu1}. */
    public String deviceNames() {
        return Devices.names(devices);
    }

    /** The settings a resumed run must share with the run that wrote the checkpoint (keys as in trainer_state.json). */
    public Map<String, String> fingerprint(String dataFingerprint, String modelFingerprint, int trainRows) {
        Map<String, String> f = new LinkedHashMap<>();
        f.put("base_model", modelFingerprint);
        f.put("data", dataFingerprint);
        f.put("targets", String.valueOf(lora.targets()));
        f.put("lora_r", Integer.toString(lora.r()));
        f.put("lora_alpha", Double.toString(lora.alpha()));
        f.put("lora_dropout", Double.toString(lora.dropout()));
        f.put("use_rslora", Boolean.toString(lora.useRslora()));
        f.put("epochs", Integer.toString(epochs));
        f.put("max_steps", Integer.toString(maxSteps));
        f.put("batch_size", Integer.toString(batchSize));
        f.put("grad_accum", Integer.toString(gradAccum));
        f.put("seq_len", Integer.toString(seqLen));
        f.put("lr", Double.toString(learningRate));
        f.put("schedule", schedule.name().toLowerCase());
        f.put("warmup_steps", Integer.toString(warmupStepsFor(totalSteps(trainRows))));
        f.put("weight_decay", Double.toString(weightDecay));
        f.put("max_grad_norm", Double.toString(maxGradNorm));
        f.put("seed", Long.toString(seed));
        f.put("precision", precision.name().toLowerCase());
        f.put("devices", Integer.toString(devices.size()));
        if (trainVisionMerger) f.put("train_vision_merger", "true");
        return f;
    }

    /** Collects settings by name; {@link #build} fills in the defaults and checks the whole. */
    public static final class Builder {
        private final Path modelDir;
        private final Path outDir;
        private int loraRank = DEFAULT_LORA_RANK;
        private double loraAlpha = DEFAULT_LORA_ALPHA;
        private double loraDropout = DEFAULT_LORA_DROPOUT;
        private boolean rslora;
        private LoraSettings.Targets targets = new LoraSettings.Targets.AllLinear();
        private int epochs = DEFAULT_EPOCHS;
        private int maxSteps;
        private int batchSize = DEFAULT_BATCH_SIZE;
        private int gradAccum = DEFAULT_GRAD_ACCUM;
        private Integer seqLen;
        private double learningRate = DEFAULT_LEARNING_RATE;
        private LrSchedule.Kind schedule = DEFAULT_SCHEDULE;
        private OptionalInt warmupSteps = OptionalInt.empty();
        private double warmupShare = DEFAULT_WARMUP_SHARE;
        private double weightDecay = DEFAULT_WEIGHT_DECAY;
        private double maxGradNorm = DEFAULT_MAX_GRAD_NORM;
        private long seed = DEFAULT_SEED;
        private List<Device> devices = List.of(Device.cpu());
        private DataType precision = DataType.FLOAT32;
        private int evalEvery;
        private int saveEvery = DEFAULT_SAVE_EVERY;
        private int keepCheckpoints = DEFAULT_KEEP_CHECKPOINTS;
        private boolean resume;
        private String baseModelName;
        private String baseModelRevision;
        private boolean trainVisionMerger;

        private Builder(Path modelDir, Path outDir) {
            this.modelDir = modelDir;
            this.outDir = outDir;
        }

        /** All LoRA settings at once (rank, alpha, dropout, rsLoRA, targets). */
        public Builder lora(LoraSettings lora) {
            return loraRank(lora.r()).loraAlpha(lora.alpha()).loraDropout(lora.dropout()).rslora(lora.useRslora())
                    .targets(lora.targets());
        }

        public Builder loraRank(int r) {
            this.loraRank = r;
            return this;
        }

        public Builder loraAlpha(double alpha) {
            this.loraAlpha = alpha;
            return this;
        }

        public Builder loraDropout(double dropout) {
            this.loraDropout = dropout;
            return this;
        }

        public Builder rslora(boolean rslora) {
            this.rslora = rslora;
            return this;
        }

        public Builder targets(LoraSettings.Targets targets) {
            this.targets = targets;
            return this;
        }

        public Builder epochs(int epochs) {
            this.epochs = epochs;
            return this;
        }

        /** Optimizer steps of the run; {@code > 0} overrides {@link #epochs}. */
        public Builder maxSteps(int maxSteps) {
            this.maxSteps = maxSteps;
            return this;
        }

        public Builder batchSize(int batchSize) {
            this.batchSize = batchSize;
            return this;
        }

        public Builder gradAccum(int gradAccum) {
            this.gradAccum = gradAccum;
            return this;
        }

        /** Longest row in tokens (default {@link #DEFAULT_SEQ_LEN} capped to the model's context). */
        public Builder seqLen(int seqLen) {
            this.seqLen = seqLen;
            return this;
        }

        public Builder learningRate(double learningRate) {
            this.learningRate = learningRate;
            return this;
        }

        public Builder schedule(LrSchedule.Kind schedule) {
            this.schedule = schedule;
            return this;
        }

        /** Linear warm-up steps; without it the warm-up is {@link #warmupShare} of the run. */
        public Builder warmupSteps(int warmupSteps) {
            this.warmupSteps = OptionalInt.of(warmupSteps);
            return this;
        }

        public Builder warmupShare(double warmupShare) {
            this.warmupShare = warmupShare;
            return this;
        }

        public Builder weightDecay(double weightDecay) {
            this.weightDecay = weightDecay;
            return this;
        }

        /** Global gradient-norm clip; 0 turns clipping off. */
        public Builder maxGradNorm(double maxGradNorm) {
            this.maxGradNorm = maxGradNorm;
            return this;
        }

        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        public Builder devices(List<Device> devices) {
            this.devices = devices;
            return this;
        }

        /** {@code FLOAT32}, or {@code FLOAT16} with dynamic loss scaling. */
        public Builder precision(DataType precision) {
            this.precision = precision;
            return this;
        }

        /** Validation loss every N steps (and at the end); 0 = only at the end. */
        public Builder evalEvery(int evalEvery) {
            this.evalEvery = evalEvery;
            return this;
        }

        /** Checkpoint every N steps; 0 = only when a stop is requested. */
        public Builder saveEvery(int saveEvery) {
            this.saveEvery = saveEvery;
            return this;
        }

        public Builder keepCheckpoints(int keepCheckpoints) {
            this.keepCheckpoints = keepCheckpoints;
            return this;
        }

        /** Continue from the newest checkpoint in {@code outDir} (a fresh run when there is none). */
        public Builder resume(boolean resume) {
            this.resume = resume;
            return this;
        }

        /** What the adapter config names as its base model (default: {@code modelDir}) and its revision. */
        public Builder baseModel(String name, String revision) {
            this.baseModelName = name;
            this.baseModelRevision = revision;
            return this;
        }

        /** Also train LoRA adapters on the Qwen3.5 vision merger's two linear layers (the rest of the tower stays frozen). */
        public Builder trainVisionMerger(boolean train) {
            this.trainVisionMerger = train;
            return this;
        }

        public TrainConfig build() {
            if (modelDir == null) throw new SettingException("{modelDir} is required");
            if (outDir == null) throw new SettingException("{outDir} is required");
            LoraSettings lora = new LoraSettings(loraRank, loraAlpha, loraDropout, rslora, targets);
            int len = seqLen != null ? seqLen
                    : Math.min(DEFAULT_SEQ_LEN, ModelDirectory.open(modelDir).config().maxPositionEmbeddings());
            return new TrainConfig(modelDir, outDir, lora, epochs, maxSteps, batchSize, gradAccum, len, learningRate,
                    schedule, warmupSteps, warmupShare, weightDecay, maxGradNorm, seed, devices, precision, evalEvery,
                    saveEvery, keepCheckpoints, resume, baseModelName != null ? baseModelName : modelDir.toString(),
                    baseModelRevision, trainVisionMerger);
        }
    }
}
