package dev.smelt.cli.commands;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import dev.smelt.cli.GlobalOptions;
import dev.smelt.core.SmeltException;
import dev.smelt.core.chat.ChatTemplateKwargs;
import dev.smelt.core.model.ModelDirectory;
import dev.smelt.models.Devices;
import dev.smelt.models.Precision;
import dev.smelt.models.TorchThreads;
import dev.smelt.models.generate.LanguageModel;
import dev.smelt.trainer.lora.LoraAttach;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * Options shared by the commands that run a model: where it is, an optional adapter, device, precision, threads, and
 * the chat template variables chats are rendered with.
 */
public final class ModelRuntimeOptions {
    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Hugging Face model directory.")
    Path model;

    @Option(names = "--adapter", paramLabel = "DIR", description = "PEFT LoRA adapter directory to apply on top of the model.")
    Path adapter;

    @Option(names = "--devices", defaultValue = "cpu", paramLabel = "cpu|gpuN", description = "Device to run on (default: ${DEFAULT-VALUE}).")
    String devices;

    @Option(names = "--precision", defaultValue = "auto", paramLabel = "auto|fp32|fp16",
            description = "Weights and activations: auto is fp16 on a GPU, fp32 on the CPU; bf16 is refused (DJL's bridge has no"
                    + " bfloat16) (default: ${DEFAULT-VALUE}).")
    String precision;

    @Option(names = "--threads", paramLabel = "N",
            description = "PyTorch CPU threads (default: half the processors, at least 1).")
    Integer threads;

    @Option(names = "--chat-template-kwargs", paramLabel = "JSON",
            description = "Chat template variables as a JSON object, over those the adapter was trained with"
                    + " (chat_template_kwargs.json), e.g. '{\"enable_thinking\": true}'.")
    String chatTemplateKwargs;

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    /** Loads model, tokenizer and adapter, saying so on {@code err} unless quiet; the caller closes the result. */
    LanguageModel load(PrintWriter err) {
        long t0 = System.nanoTime();
        LanguageModel lm = load();
        if (!GlobalOptions.quiet()) {
            var c = lm.model().config();
            err.println(String.format(Locale.ROOT, "smelt: loaded %s %s (%.1fM parameters, %s on %s%s) in %.1f s",
                    c.architecture().modelType(), model, c.parameterCount() / 1e6,
                    lm.model().dataType().toString().toLowerCase(Locale.ROOT),
                    Devices.name(lm.model().device()),
                    adapter != null ? ", adapter " + adapter : "", (System.nanoTime() - t0) / 1e9));
            err.flush();
        }
        return lm;
    }

    /** Loads model, tokenizer and adapter; the caller closes the result. */
    LanguageModel load() {
        ChatTemplateKwargs requested = requestedKwargs();
        TorchThreads.configure(threads, TorchThreads.Default.HALF_PROCESSORS);
        Device dev = Devices.parseOne(devices);
        DataType dt = Precision.parse(precision).dataType(dev);
        if (!Files.isDirectory(model)) throw new SmeltException(model + ": not a directory (expected a Hugging Face model directory)");
        ModelDirectory dir = ModelDirectory.open(model);
        LanguageModel lm = LanguageModel.open(dir, dev, dt);
        try {
            ChatTemplateKwargs kwargs = ChatTemplateKwargs.NONE;
            if (adapter != null) {
                LoraAttach.apply(lm.model(), adapter);
                kwargs = ChatTemplateKwargs.read(adapter);
            }
            lm.setChatTemplateKwargs(kwargs.overriddenBy(requested));
        } catch (RuntimeException e) {
            lm.close();
            throw e;
        }
        return lm;
    }

    /** {@code --chat-template-kwargs}, or none; anything but a JSON object is a one-line usage error (exit 2). */
    private ChatTemplateKwargs requestedKwargs() {
        if (chatTemplateKwargs == null) return ChatTemplateKwargs.NONE;
        try {
            return ChatTemplateKwargs.parse(chatTemplateKwargs, "--chat-template-kwargs");
        } catch (SmeltException e) {
            throw new ParameterException(command.commandLine(), e.getMessage());
        }
    }

    String displayName() {
        Path n = model.toAbsolutePath().normalize().getFileName();
        return n == null ? model.toString() : n.toString();
    }
}
