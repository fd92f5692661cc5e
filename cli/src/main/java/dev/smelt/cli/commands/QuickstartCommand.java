package dev.smelt.cli.commands;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import dev.smelt.cli.GlobalOptions;
import dev.smelt.converter.hf.GgufExport;
import dev.smelt.converter.hf.OutputType;
import dev.smelt.core.SmeltException;
import dev.smelt.core.chat.ChatMessage;
import dev.smelt.core.model.Architecture;
import dev.smelt.core.model.ModelDirectory;
import dev.smelt.core.tiny.TinyModelSpec;
import dev.smelt.core.tiny.TinyModelWriter;
import dev.smelt.datasets.prepare.DataOptions;
import dev.smelt.datasets.prepare.DataPreparer;
import dev.smelt.datasets.prepare.PreparedData;
import dev.smelt.models.TorchThreads;
import dev.smelt.models.generate.GenerationResult;
import dev.smelt.models.generate.LanguageModel;
import dev.smelt.models.generate.SamplingOverrides;
import dev.smelt.models.generate.SamplingParams;
import dev.smelt.trainer.lora.LoraAttach;
import dev.smelt.trainer.merge.AdapterMerger;
import dev.smelt.trainer.sft.SftTrainer;
import dev.smelt.trainer.sft.TrainConfig;
import dev.smelt.trainer.sft.TrainingRows;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "quickstart", description = {
        "End-to-end demo, fully offline: create a tiny model, LoRA-train it on a small sample chat data set, "
        + "generate with the adapter, merge it and convert the merged model to GGUF. Prints where each artefact is."})
public final class QuickstartCommand implements Callable<Integer> {
    static final String SAMPLE = "/dev/smelt/cli/quickstart/quickstart.jsonl";
    static final String QUESTION = "Who keeps the anvil?";
    static final String ANSWER = "The smith named Ada keeps the anvil.";

    @Spec
    CommandSpec spec;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "smelt-quickstart", description = "Where the artefacts go (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--data", paramLabel = "FILE", description = "Chat data to train on (default: the bundled sample, copied to DIR/data).")
    Path data;

    @Option(names = "--steps", paramLabel = "N", defaultValue = "80", description = "Optimizer steps (default: ${DEFAULT-VALUE}).")
    int steps;

    @Override
    public Integer call() throws Exception {
        PrintWriter pw = spec.commandLine().getOut();
        long t0 = System.nanoTime();
        if (Files.exists(out) && Files.list(out).findAny().isPresent()) {
            throw new SmeltException("--out " + out + " is not empty; choose another directory or remove it");
        }
        TorchThreads.configure(null, TorchThreads.Default.LIBTORCH);
        Files.createDirectories(out);

        step(pw, "1/5 create-tiny");
        TinyModelWriter.Result base = TinyModelWriter.write(TinyModelSpec.builder(Architecture.QWEN2).seed(0).build(), out.resolve("base-model"));
        pw.println("    base model: " + base.directory() + " (" + String.format(Locale.ROOT, "%,d", base.parameterCount()) + " parameters)");

        Path dataFile = data;
        if (dataFile == null) {
            dataFile = out.resolve("data/quickstart.jsonl");
            Files.createDirectories(dataFile.getParent());
            try (InputStream in = QuickstartCommand.class.getResourceAsStream(SAMPLE)) {
                if (in == null) throw new SmeltException("the bundled sample data set is missing from the smelt jar (" + SAMPLE + ")");
                Files.copy(in, dataFile);
            }
        }
        step(pw, "2/5 LoRA SFT on " + dataFile);
        Path adapter = out.resolve("adapter");
        DataOptions options = DataOptions.builder().seqLen(256).packing(false).seed(0).build();
        SftTrainer.Result r;
        try (PreparedData prepared = DataPreparer.builder().data(List.of(dataFile.toString()))
                .model(base.directory()).options(options).build()) {
            TrainConfig cfg = TrainConfig.builder(base.directory(), adapter).loraRank(16).loraAlpha(32).loraDropout(0)
                    .maxSteps(steps).batchSize(8).seqLen(256).learningRate(1e-2).warmupSteps(5).seed(0).saveEvery(0)
                    .keepCheckpoints(1).build();
            r = new SftTrainer(cfg, TrainingRows.of(prepared), GlobalOptions.quiet() ? null : System.err,
                    !GlobalOptions.quiet() && HubOptions.interactiveTerminal()).run();
        }
        pw.println(String.format(Locale.ROOT, "    adapter: %s (final loss %.4f after %d steps)", adapter, r.lastLoss(), r.steps()));
        pw.println("    metrics: " + adapter.resolve("metrics.jsonl") + ", loss chart: " + adapter.resolve("loss.png"));

        step(pw, "3/5 generate with the adapter");
        String answer;
        try (LanguageModel lm = LanguageModel.open(ModelDirectory.open(base.directory()), Device.cpu(), DataType.FLOAT32)) {
            LoraAttach.apply(lm.model(), adapter);
            long[] prompt = lm.encodeChat(List.of(ChatMessage.user(QUESTION)));
            SamplingParams params = new SamplingOverrides(48, 0.0, null, null, null, null).applyTo(lm.defaultSampling(null));
            GenerationResult g = lm.generate(prompt, params, (id, text) -> {});
            answer = g.text().strip();
        }
        pw.println("    Q: " + QUESTION);
        pw.println("    A: " + answer + (answer.equals(ANSWER) ? "   (the trained answer)" : "   (trained answer: " + ANSWER + ")"));

        step(pw, "4/5 merge");
        Path merged = out.resolve("merged");
        AdapterMerger.Result m = AdapterMerger.merge(base.directory(), adapter, merged, null, 5_000_000_000L, null);
        pw.println("    merged model: " + merged + " (" + m.foldedModules() + " projections folded)");

        step(pw, "5/5 GGUF");
        Path gguf = out.resolve("model-f16.gguf");
        GgufExport.export(merged, gguf, GgufExport.Options.of(OutputType.F16), new GgufExport.Listener() {});
        pw.println("    GGUF: " + gguf);

        pw.println(String.format(Locale.ROOT, "done in %.0f s. Next: smelt generate --model %s --adapter %s --chat \"%s\"",
                (System.nanoTime() - t0) / 1e9, base.directory(), adapter, QUESTION));
        pw.flush();
        return 0;
    }

    private static void step(PrintWriter pw, String what) {
        pw.println("==> " + what);
        pw.flush();
    }
}
