package dev.smelt.cli.commands;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import dev.smelt.cli.GlobalOptions;
import dev.smelt.core.SmeltException;
import dev.smelt.core.model.ModelDirectory;
import dev.smelt.models.ModelLoader;
import dev.smelt.models.generate.LanguageModel;
import dev.smelt.trainer.lora.LoraAttach;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.Option;

/** Options shared by the commands that run a model: where it is, an optional adapter, device, dtype, threads. */
public final class ModelRuntimeOptions {
    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Hugging Face model directory.")
    Path model;

    @Option(names = "--adapter", paramLabel = "DIR", description = "PEFT LoRA adapter directory to apply on top of the model.")
    Path adapter;

    @Option(names = "--device", defaultValue = "cpu", paramLabel = "DEV", description = "cpu or gpuN (default: ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--dtype", defaultValue = "auto", paramLabel = "TYPE",
            description = "auto (fp32 on CPU, fp16 on GPU), fp32 or fp16; bf16 is refused (DJL's bridge has no bfloat16).")
    String dtype;

    @Option(names = "--threads", paramLabel = "N",
            description = "CPU threads for PyTorch (default: half the available processors, at least 1).")
    Integer threads;

    /** Loads model, tokenizer and adapter, saying so on {@code err} unless quiet; the caller closes the result. */
    LanguageModel load(PrintWriter err) {
        long t0 = System.nanoTime();
        LanguageModel lm = load();
        if (!GlobalOptions.quiet()) {
            var c = lm.model().config();
            err.println(String.format(Locale.ROOT, "smelt: loaded %s %s (%.1fM parameters, %s on %s%s) in %.1f s",
                    c.architecture().modelType(), model, c.parameterCount() / 1e6,
                    lm.model().dataType().toString().toLowerCase(Locale.ROOT),
                    ModelLoader.deviceName(lm.model().device()),
                    adapter != null ? ", adapter " + adapter : "", (System.nanoTime() - t0) / 1e9));
            err.flush();
        }
        return lm;
    }

    /** Loads model, tokenizer and adapter; the caller closes the result. */
    LanguageModel load() {
        // Token-by-token decoding is a long chain of small ops: OpenMP threads that spin on every core (or on
        // hyper-threads) cost far more than they give, so unless told otherwise use half the processors.
        if (threads != null && threads < 1) throw new SmeltException("--threads must be >= 1, got " + threads);
        if (threads != null || System.getProperty("ai.djl.pytorch.num_threads") == null) {
            int n = threads != null ? threads : Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
            System.setProperty("ai.djl.pytorch.num_threads", String.valueOf(n));
        }
        if (System.getProperty("ai.djl.pytorch.num_interop_threads") == null) {
            System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        }
        if (!Files.isDirectory(model)) throw new SmeltException(model + ": not a directory (expected a Hugging Face model directory)");
        ModelDirectory dir = ModelDirectory.open(model);
        Device dev = ModelLoader.parseDevice(device);
        DataType dt = ModelLoader.parseDataType(dtype, dev);
        LanguageModel lm = LanguageModel.open(dir, dev, dt);
        if (adapter != null) {
            try {
                LoraAttach.apply(lm.model(), adapter);
            } catch (RuntimeException e) {
                lm.close();
                throw e;
            }
        }
        return lm;
    }

    String displayName() {
        Path n = model.toAbsolutePath().normalize().getFileName();
        return n == null ? model.toString() : n.toString();
    }
}
