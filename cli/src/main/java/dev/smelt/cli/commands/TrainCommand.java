package dev.smelt.cli.commands;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import dev.smelt.cli.GlobalOptions;
import dev.smelt.core.SmeltException;
import dev.smelt.datasets.prepare.DataOptions;
import dev.smelt.datasets.prepare.DataPreparer;
import dev.smelt.datasets.prepare.PreparedData;
import dev.smelt.datasets.shards.PreparedManifest;
import dev.smelt.datasets.shards.PreparedShards;
import dev.smelt.datasets.source.HubClientFetcher;
import dev.smelt.hub.HubClient;
import dev.smelt.hub.RepoType;
import dev.smelt.hub.SnapshotPath;
import dev.smelt.models.Devices;
import dev.smelt.models.Precision;
import dev.smelt.models.TorchThreads;
import dev.smelt.trainer.SettingException;
import dev.smelt.trainer.lora.LoraSettings;
import dev.smelt.trainer.optim.LrSchedule;
import dev.smelt.trainer.sft.SftTrainer;
import dev.smelt.trainer.sft.TrainConfig;
import dev.smelt.trainer.sft.TrainingRows;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "train", description = {
        "LoRA supervised fine-tuning. Writes a PEFT adapter (adapter_config.json, adapter_model.safetensors), "
        + "metrics.jsonl and loss.png into --out, with checkpoints under --out/checkpoints. "
        + "Ctrl-C saves a checkpoint and exits; --resume continues from the newest one."})
public final class TrainCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Base model (Hugging Face directory).")
    Path model;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory for the adapter and checkpoints.")
    Path out;

    @Mixin
    DataOptionsMixin dataOptions;

    @Mixin
    HubOptions hub; // for hf://datasets/... data, as smelt data prepare

    @Option(names = "--val-data", paramLabel = "SRC", description = "Validation data (instead of --val-split). Repeatable.")
    List<String> valData = new ArrayList<>();

    @Option(names = "--val-split", paramLabel = "F", defaultValue = "0.0",
            description = "Fraction of the training rows held out for validation (default: ${DEFAULT-VALUE}).")
    double valSplit;

    @Option(names = "--packing", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Pack several examples into each row (default: on).")
    boolean packing;

    @Option(names = "--targets", paramLabel = "LIST",
            description = "Modules that get adapters: all-linear or names, e.g. q_proj,k_proj,v_proj,o_proj (default: all-linear).")
    String targets;

    @Option(names = "--lora-r", paramLabel = "R", description = "LoRA rank (default: " + TrainConfig.DEFAULT_LORA_RANK + ").")
    Integer loraR;

    @Option(names = "--lora-alpha", paramLabel = "A", description = "LoRA alpha (default: " + TrainConfig.DEFAULT_LORA_ALPHA + ").")
    Double loraAlpha;

    @Option(names = "--lora-dropout", paramLabel = "P",
            description = "Dropout on the adapter input (default: " + TrainConfig.DEFAULT_LORA_DROPOUT + ").")
    Double loraDropout;

    @Option(names = "--rslora", description = "rsLoRA scaling alpha/sqrt(r) instead of alpha/r.")
    boolean rslora;

    @Option(names = "--train-vision-merger",
            description = "Also put LoRA on the vision merger's linear layers (model.visual.merger.linear_fc1/2) of a Qwen3.5"
                    + " model with a vision tower; the rest of the tower stays frozen.")
    boolean trainVisionMerger;

    @Option(names = "--epochs", paramLabel = "N", description = "Passes over the training data (default: " + TrainConfig.DEFAULT_EPOCHS + ").")
    Integer epochs;

    @Option(names = "--max-steps", paramLabel = "N", description = "Optimizer steps; overrides --epochs when > 0.")
    Integer maxSteps;

    @Option(names = "--batch-size", paramLabel = "N",
            description = "Rows per micro-batch, split across devices (default: " + TrainConfig.DEFAULT_BATCH_SIZE + ").")
    Integer batchSize;

    @Option(names = "--grad-accum", paramLabel = "N", description = "Micro-batches per optimizer step (default: " + TrainConfig.DEFAULT_GRAD_ACCUM + ").")
    Integer gradAccum;

    @Option(names = "--lr", paramLabel = "LR", description = "Peak learning rate (default: " + TrainConfig.DEFAULT_LEARNING_RATE + ").")
    Double lr;

    @Option(names = "--schedule", paramLabel = "cosine|linear|constant", description = "Decay after warm-up (default: cosine).")
    String schedule;

    @Option(names = "--warmup-steps", paramLabel = "N",
            description = "Linear warm-up steps (default: " + (int) (TrainConfig.DEFAULT_WARMUP_SHARE * 100) + "%% of the steps, rounded up).")
    Integer warmupSteps;

    @Option(names = "--weight-decay", paramLabel = "W", description = "AdamW decoupled weight decay (default: " + TrainConfig.DEFAULT_WEIGHT_DECAY + ").")
    Double weightDecay;

    @Option(names = "--max-grad-norm", paramLabel = "N",
            description = "Clip gradients to this global norm; 0 = off (default: " + TrainConfig.DEFAULT_MAX_GRAD_NORM + ").")
    Double maxGradNorm;

    @Option(names = "--seed", paramLabel = "S",
            description = "Seed for adapter init, data order and dropout (default: " + TrainConfig.DEFAULT_SEED + ").")
    Long seed;

    @Option(names = "--devices", paramLabel = "cpu|gpuN[,gpuN...]", defaultValue = "cpu",
            description = "Device to train on; several GPUs train data-parallel (default: ${DEFAULT-VALUE}).")
    String devices;

    @Option(names = "--precision", paramLabel = "auto|fp32|fp16", defaultValue = "fp32",
            description = "Base weights and activations: fp32, or fp16 with dynamic loss scaling (auto: fp16 on GPUs); adapters"
                    + " and optimizer state stay fp32. bf16 is refused (DJL's bridge has no bfloat16) (default: ${DEFAULT-VALUE}).")
    String precision;

    @Option(names = "--eval-every", paramLabel = "N", description = "Validation loss every N steps (and at the end).")
    Integer evalEvery;

    @Option(names = "--save-every", paramLabel = "N",
            description = "Checkpoint every N steps; 0 = only on Ctrl-C (default: " + TrainConfig.DEFAULT_SAVE_EVERY + ").")
    Integer saveEvery;

    @Option(names = "--keep-checkpoints", paramLabel = "K", description = "Checkpoints kept (default: " + TrainConfig.DEFAULT_KEEP_CHECKPOINTS + ").")
    Integer keepCheckpoints;

    @Option(names = "--resume", description = "Continue from the newest checkpoint in --out (a fresh run when there is none).")
    boolean resume;

    @Option(names = "--threads", paramLabel = "N", description = "PyTorch CPU threads (default: libtorch's, one per core).")
    Integer threads;

    /** The library's setting names ({@link SettingException}) as this command's flags. */
    static final Map<String, String> FLAGS = Map.ofEntries(
            Map.entry("modelDir", "--model"), Map.entry("outDir", "--out"), Map.entry("lora.r", "--lora-r"),
            Map.entry("lora.alpha", "--lora-alpha"), Map.entry("lora.dropout", "--lora-dropout"),
            Map.entry("lora.targets", "--targets"), Map.entry("epochs", "--epochs"), Map.entry("maxSteps", "--max-steps"),
            Map.entry("batchSize", "--batch-size"), Map.entry("gradAccum", "--grad-accum"), Map.entry("seqLen", "--seq-len"),
            Map.entry("learningRate", "--lr"), Map.entry("schedule", "--schedule"), Map.entry("warmupSteps", "--warmup-steps"),
            Map.entry("weightDecay", "--weight-decay"), Map.entry("maxGradNorm", "--max-grad-norm"), Map.entry("seed", "--seed"),
            Map.entry("devices", "--devices"), Map.entry("precision", "--precision"), Map.entry("evalEvery", "--eval-every"),
            Map.entry("saveEvery", "--save-every"), Map.entry("keepCheckpoints", "--keep-checkpoints"),
            Map.entry("resume", "--resume"), Map.entry("trainVisionMerger", "--train-vision-merger"));

    static String flag(String setting) {
        return FLAGS.getOrDefault(setting, setting);
    }

    @Override
    public Integer call() throws Exception {
        try {
            return train();
        } catch (SettingException e) {
            throw new SmeltException(e.spelled(TrainCommand::flag), e);
        }
    }

    /** The flags given, on top of the library's defaults ({@link TrainConfig#builder}). */
    TrainConfig config() {
        return config(null);
    }

    /** @param preparedSeqLen the sequence length of prepared data (its manifest), or null for raw data */
    TrainConfig config(Integer preparedSeqLen) {
        List<Device> devs = Devices.parse(devices);
        TrainConfig.Builder b = TrainConfig.builder(model, out).devices(devs)
                .precision(Precision.parse(precision).dataType(devs.get(0))).rslora(rslora).resume(resume)
                .trainVisionMerger(trainVisionMerger);
        if (targets != null) b.targets(LoraSettings.Targets.parse(targets));
        if (loraR != null) b.loraRank(loraR);
        if (loraAlpha != null) b.loraAlpha(loraAlpha);
        if (loraDropout != null) b.loraDropout(loraDropout);
        if (epochs != null) b.epochs(epochs);
        if (maxSteps != null) b.maxSteps(maxSteps);
        if (batchSize != null) b.batchSize(batchSize);
        if (gradAccum != null) b.gradAccum(gradAccum);
        if (preparedSeqLen != null) {
            b.seqLen(preparedSeqLen);
        } else if (spec.commandLine().getParseResult().hasMatchedOption("--seq-len")) {
            b.seqLen(dataOptions.seqLen);
        }
        if (lr != null) b.learningRate(lr);
        if (schedule != null) b.schedule(parseSchedule(schedule));
        if (warmupSteps != null) b.warmupSteps(warmupSteps);
        if (weightDecay != null) b.weightDecay(weightDecay);
        if (maxGradNorm != null) b.maxGradNorm(maxGradNorm);
        if (seed != null) b.seed(seed);
        if (evalEvery != null) b.evalEvery(evalEvery);
        if (saveEvery != null) b.saveEvery(saveEvery);
        if (keepCheckpoints != null) b.keepCheckpoints(keepCheckpoints);
        String[] base = baseModelId(model);
        return b.baseModel(base[0], base[1]).build();
    }

    private Integer train() throws Exception {
        PrintWriter pw = spec.commandLine().getOut();
        TorchThreads.configure(threads, TorchThreads.Default.LIBTORCH);
        Path preparedDir = preparedData();
        PreparedManifest manifest = preparedDir == null ? null : PreparedManifest.read(preparedDir);
        if (manifest != null) refuseDataSettings(preparedDir, manifest);
        TrainConfig cfg = config(manifest == null ? null : manifest.settings().seqLen());
        DataOptions options;
        try {
            options = dataOptions.toBuilder().seqLen(cfg.seqLen()).packing(packing).valSplit(valSplit).seed(cfg.seed()).build();
        } catch (IllegalArgumentException e) {
            throw new SmeltException(e.getMessage());
        }
        PrintStream log = GlobalOptions.quiet() ? null : System.err;
        if (log != null && cfg.precision() == DataType.FLOAT16 && cfg.devices().stream().noneMatch(Device::isGpu)) {
            log.println("smelt: warning: --precision fp16 on CPU is much slower than fp32 (most CPUs have no fast half-precision"
                    + " matrix kernels); it is meant for GPUs");
        }
        if (log != null) {
            log.println(manifest != null ? String.format(Locale.ROOT, "smelt: reading prepared data from %s (%,d training, %,d"
                    + " validation rows)", preparedDir, manifest.trainRows(), manifest.validationRows())
                    : "smelt: preparing data from " + String.join(", ", dataOptions.data()));
        }
        try (PreparedData prepared = manifest != null ? PreparedShards.open(preparedDir, model, null, null)
                : DataPreparer.builder().data(dataOptions.data()).valData(valData).model(model).options(options)
                        .hub(new HubClientFetcher(HubClient.builder().settings(hub.settings()).build())).build()) {
            TrainingRows data = TrainingRows.of(prepared);
            SftTrainer trainer = new SftTrainer(cfg, data, log, log != null && HubOptions.interactiveTerminal());
            Thread hook = new Thread(() -> {
                trainer.requestStop();
                try {
                    trainer.awaitFinished(10, TimeUnit.MINUTES);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "smelt-train-stop");
            Runtime.getRuntime().addShutdownHook(hook);
            SftTrainer.Result r;
            try {
                r = trainer.run();
            } finally {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    // Ctrl-C: the hook is running and returns once run() has saved
                }
            }
            if (r.stopped()) {
                pw.println("stopped at step " + r.steps() + "/" + r.totalSteps() + "; checkpoint " + r.checkpoint());
                pw.flush();
                return 130;
            }
            pw.println(String.format(Locale.ROOT, "trained %d steps in %.1f s, final loss %.4f%s", r.steps(), r.seconds(),
                    r.lastLoss(), r.lastEvalLoss() == null ? "" : String.format(Locale.ROOT, ", eval loss %.4f (perplexity %.3f)",
                            r.lastEvalLoss(), Math.exp(r.lastEvalLoss()))));
            pw.println("adapter: " + out);
            pw.println("metrics: " + out.resolve("metrics.jsonl"));
            pw.println("loss chart: " + out.resolve("loss.png"));
            pw.flush();
        }
        return 0;
    }

    /** The prepared data directory ({@code smelt data prepare}) given as --data, or null for raw data. */
    private Path preparedData() {
        List<String> data = dataOptions.data();
        for (String d : data) {
            if (d.contains("://") || d.contains("*")) continue;
            Path p = Path.of(d);
            if (PreparedManifest.isPrepared(p)) {
                if (data.size() > 1) throw new SmeltException("--data " + d + ": a prepared data directory must be the only --data");
                return p;
            }
        }
        return null;
    }

    /** Flags that decide how raw data becomes rows; prepared data was decided by smelt data prepare. */
    private static final List<String> PREPARED_SETTINGS = List.of("--format", "--field", "--truncation", "--train-on",
            "--train-on-think-block", "--skip-invalid", "--text-sample-by", "--val-data", "--val-split", "--packing");

    private void refuseDataSettings(Path dir, PreparedManifest manifest) {
        var parsed = spec.commandLine().getParseResult();
        for (String flag : PREPARED_SETTINGS) {
            if (parsed.hasMatchedOption(flag)) {
                throw new SmeltException(flag + ": " + dir + " holds prepared data, whose settings smelt data prepare fixed"
                        + " (" + PreparedManifest.FILE + "); prepare it again to change them");
            }
        }
        if (parsed.hasMatchedOption("--seq-len") && dataOptions.seqLen != manifest.settings().seqLen()) {
            throw new SmeltException("--seq-len " + dataOptions.seqLen + ": " + dir + " was prepared with seq-len "
                    + manifest.settings().seqLen() + "; prepare it again to change it");
        }
    }

    static LrSchedule.Kind parseSchedule(String s) {
        try {
            return LrSchedule.Kind.valueOf(s.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new SmeltException("--schedule " + s + ": expected cosine, linear or constant");
        }
    }

    /** Hub id and revision when the model is a Hub cache snapshot folder, else its path and no revision. */
    static String[] baseModelId(Path model) {
        return SnapshotPath.parse(model).filter(s -> s.type() == RepoType.MODEL && s.isSnapshotRoot())
                .map(s -> new String[] {s.repo().value(), s.commit()})
                .orElseGet(() -> new String[] {model.toString(), null});
    }
}
