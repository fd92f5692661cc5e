package dev.smelt.cli.commands;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import dev.smelt.cli.GlobalOptions;
import dev.smelt.core.SmeltException;
import dev.smelt.core.model.ModelDirectory;
import dev.smelt.datasets.prepare.DataOptions;
import dev.smelt.datasets.prepare.DataPreparer;
import dev.smelt.datasets.prepare.PreparedData;
import dev.smelt.models.Devices;
import dev.smelt.models.Precision;
import dev.smelt.models.TorchThreads;
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
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "train", description = {
        "LoRA supervised fine-tuning. Writes a PEFT adapter (adapter_config.json, adapter_model.safetensors),",
        "metrics.jsonl and loss.png into --out, with checkpoints under --out/checkpoints.",
        "Ctrl-C saves a checkpoint and exits; --resume continues from the newest one."})
public final class TrainCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Base model (Hugging Face directory).")
    Path model;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory for the adapter and checkpoints.")
    Path out;

    @Mixin
    DataOptionsMixin dataOptions;

    @Option(names = "--val-data", paramLabel = "SRC", description = "Validation data (instead of --val-split). Repeatable.")
    List<String> valData = new ArrayList<>();

    @Option(names = "--val-split", paramLabel = "F", defaultValue = "0.0",
            description = "Fraction of the training rows held out for validation (default: ${DEFAULT-VALUE}).")
    double valSplit;

    @Option(names = "--packing", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Pack several examples into each row (default: on).")
    boolean packing;

    @Option(names = "--targets", paramLabel = "LIST", defaultValue = "all-linear",
            description = "Modules that get adapters: all-linear or names, e.g. q_proj,k_proj,v_proj,o_proj (default: ${DEFAULT-VALUE}).")
    String targets;

    @Option(names = "--lora-r", paramLabel = "R", defaultValue = "16", description = "LoRA rank (default: ${DEFAULT-VALUE}).")
    int loraR;

    @Option(names = "--lora-alpha", paramLabel = "A", defaultValue = "32", description = "LoRA alpha (default: ${DEFAULT-VALUE}).")
    double loraAlpha;

    @Option(names = "--lora-dropout", paramLabel = "P", defaultValue = "0.05", description = "Dropout on the adapter input (default: ${DEFAULT-VALUE}).")
    double loraDropout;

    @Option(names = "--rslora", description = "rsLoRA scaling alpha/sqrt(r) instead of alpha/r.")
    boolean rslora;

    @Option(names = "--epochs", paramLabel = "N", defaultValue = "1", description = "Passes over the training data (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--max-steps", paramLabel = "N", defaultValue = "0", description = "Optimizer steps; overrides --epochs when > 0.")
    int maxSteps;

    @Option(names = "--batch-size", paramLabel = "N", defaultValue = "4", description = "Rows per micro-batch, split across devices (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--grad-accum", paramLabel = "N", defaultValue = "1", description = "Micro-batches per optimizer step (default: ${DEFAULT-VALUE}).")
    int gradAccum;

    @Option(names = "--lr", paramLabel = "LR", defaultValue = "2e-4", description = "Peak learning rate (default: ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--schedule", paramLabel = "cosine|linear|constant", defaultValue = "cosine",
            description = "Decay after warm-up (default: ${DEFAULT-VALUE}).")
    String schedule;

    @Option(names = "--warmup-steps", paramLabel = "N", description = "Linear warm-up steps (default: 3% of the steps).")
    Integer warmupSteps;

    @Option(names = "--weight-decay", paramLabel = "W", defaultValue = "0.0", description = "AdamW decoupled weight decay (default: ${DEFAULT-VALUE}).")
    double weightDecay;

    @Option(names = "--max-grad-norm", paramLabel = "N", defaultValue = "1.0", description = "Clip gradients to this global norm; 0 = off (default: ${DEFAULT-VALUE}).")
    double maxGradNorm;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "42", description = "Seed for adapter init, data order and dropout (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--devices", paramLabel = "cpu|gpuN[,gpuN...]", defaultValue = "cpu",
            description = "Device to train on; several GPUs train data-parallel (default: ${DEFAULT-VALUE}).")
    String devices;

    @Option(names = "--precision", paramLabel = "auto|fp32|fp16", defaultValue = "fp32",
            description = "Base weights and activations: fp32, or fp16 with dynamic loss scaling (auto: fp16 on GPUs); adapters"
                    + " and optimizer state stay fp32. bf16 is refused (DJL's bridge has no bfloat16) (default: ${DEFAULT-VALUE}).")
    String precision;

    @Option(names = "--eval-every", paramLabel = "N", defaultValue = "0", description = "Validation loss every N steps (and at the end).")
    int evalEvery;

    @Option(names = "--save-every", paramLabel = "N", defaultValue = "100", description = "Checkpoint every N steps; 0 = only on Ctrl-C (default: ${DEFAULT-VALUE}).")
    int saveEvery;

    @Option(names = "--keep-checkpoints", paramLabel = "K", defaultValue = "2", description = "Checkpoints kept (default: ${DEFAULT-VALUE}).")
    int keepCheckpoints;

    @Option(names = "--resume", description = "Continue from the newest checkpoint in --out (a fresh run when there is none).")
    boolean resume;

    @Option(names = "--threads", paramLabel = "N", description = "PyTorch CPU threads (default: libtorch's, one per core).")
    Integer threads;

    @Override
    public Integer call() throws Exception {
        PrintWriter pw = spec.commandLine().getOut();
        TorchThreads.configure(threads, TorchThreads.Default.LIBTORCH);
        ModelDirectory md = ModelDirectory.open(model);
        int context = md.config().maxPositionEmbeddings();
        boolean seqLenGiven = spec.commandLine().getParseResult().hasMatchedOption("--seq-len");
        int seqLen = seqLenGiven ? dataOptions.seqLen : Math.min(dataOptions.seqLen, context);
        List<Device> devs = Devices.parse(devices);
        DataType dtype = Precision.parse(precision).dataType(devs.get(0));
        DataOptions options;
        try {
            options = dataOptions.toBuilder().seqLen(seqLen).packing(packing).valSplit(valSplit).seed(seed).build();
        } catch (IllegalArgumentException e) {
            throw new SmeltException(e.getMessage());
        }
        PrintStream log = GlobalOptions.quiet() ? null : System.err;
        if (log != null && dtype == DataType.FLOAT16 && devs.stream().noneMatch(Device::isGpu)) {
            log.println("smelt: warning: --precision fp16 on CPU is much slower than fp32 (most CPUs have no fast half-precision"
                    + " matrix kernels); it is meant for GPUs");
        }
        if (log != null) log.println("smelt: preparing data from " + String.join(", ", dataOptions.data()));
        try (PreparedData prepared = DataPreparer.builder()
                .data(dataOptions.data()).valData(valData).model(model).options(options).build()) {
            TrainingRows data = TrainingRows.of(prepared);
            LoraSettings lora = new LoraSettings(loraR, loraAlpha, loraDropout, rslora, LoraSettings.Targets.parse(targets));
            int total = maxSteps > 0 ? maxSteps : epochs * SftTrainer.stepsPerEpoch(data.train().size(), batchSize, gradAccum);
            int warmup = warmupSteps != null ? warmupSteps : (int) Math.ceil(total * 0.03);
            String[] base = baseModelId(model);
            TrainConfig cfg = new TrainConfig(model, out, lora, epochs, maxSteps, batchSize, gradAccum, seqLen, lr,
                    LrSchedule.Kind.valueOf(schedule.toUpperCase(Locale.ROOT)), warmup, weightDecay, maxGradNorm, seed, devs,
                    dtype, evalEvery, saveEvery, keepCheckpoints, resume, base[0], base[1]);
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

    private static final Pattern HUB_SNAPSHOT = Pattern.compile(".*/(models--[^/]+)/snapshots/([^/]+)/?$");

    /** Hub id and revision when the model sits in a Hub cache snapshot, else its path and no revision. */
    static String[] baseModelId(Path model) {
        String p = model.toAbsolutePath().normalize().toString();
        Matcher m = HUB_SNAPSHOT.matcher(p);
        if (m.matches()) return new String[] {m.group(1).substring("models--".length()).replace("--", "/"), m.group(2)};
        return new String[] {model.toString(), null};
    }
}
