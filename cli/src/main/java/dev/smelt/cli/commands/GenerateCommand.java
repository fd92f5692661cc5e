package dev.smelt.cli.commands;

import dev.smelt.cli.GlobalOptions;
import dev.smelt.cli.UsageErrorHandler;
import dev.smelt.core.SmeltException;
import dev.smelt.core.chat.ChatMessage;
import dev.smelt.core.vision.RgbImage;
import dev.smelt.models.generate.GenerationResult;
import dev.smelt.models.generate.ImagePrompt;
import dev.smelt.models.generate.LanguageModel;
import dev.smelt.models.generate.SamplingOverrides;
import dev.smelt.models.generate.SamplingParams;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "generate", description = {
        "Generate text with a model, streaming it to stdout; speed goes to stderr. "
        + "Sampling defaults come from generation_config.json (greedy unless it samples); "
        + "generation stops at the EOS ids of generation_config.json and config.json."})
public final class GenerateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    @Mixin
    ModelRuntimeOptions runtime;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    static final class Input {
        @Option(names = "--prompt", paramLabel = "TEXT", description = "Raw prompt (the tokenizer adds its special tokens, e.g. BOS).")
        String prompt;

        @Option(names = "--chat", paramLabel = "TEXT", description = "A user message, formatted with the model's chat template.")
        String chat;

        @Option(names = "--prompt-file", paramLabel = "FILE", description = "Raw prompt read from a UTF-8 file.")
        Path promptFile;

        @Option(names = "--prompt-ids", paramLabel = "IDS", split = ",",
                description = "Prompt as comma-separated token ids, used as is.")
        List<Long> promptIds;
    }

    @Option(names = "--system", paramLabel = "TEXT", description = "System message for --chat.")
    String system;

    @Option(names = "--image", paramLabel = "FILE",
            description = "An image (PNG or JPEG) placed before the --chat text; repeat for several. Qwen3.5 checkpoints with "
                    + "their vision tower only.")
    List<Path> images = new ArrayList<>();

    @Option(names = "--max-new-tokens", paramLabel = "N", description = "Most tokens to generate (default: generation_config.json, else 512).")
    Integer maxNewTokens;

    @Option(names = "--temperature", paramLabel = "T", description = "0 for greedy; > 0 samples.")
    Double temperature;

    @Option(names = "--top-p", paramLabel = "P", description = "Nucleus sampling mass (1 = off).")
    Double topP;

    @Option(names = "--top-k", paramLabel = "K", description = "Sample among the K most likely tokens (0 = off).")
    Integer topK;

    @Option(names = "--repetition-penalty", paramLabel = "R", description = "> 1 discourages repeats (1 = off).")
    Double repetitionPenalty;

    @Option(names = "--seed", paramLabel = "S", description = "Random seed for sampling.")
    Long seed;

    @Option(names = "--ignore-eos", description = "Do not stop at EOS tokens (benchmarks, comparisons).")
    boolean ignoreEos;

    @Option(names = "--print-ids", description = "Print the generated token ids (space-separated) instead of text.")
    boolean printIds;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (system != null && input.chat == null) throw new SmeltException("--system needs --chat");
        if (!images.isEmpty() && input.chat == null) throw new SmeltException("--image needs --chat (the image goes into the user message)");
        checkRanges();
        List<RgbImage> pictures = new ArrayList<>();
        for (Path p : images) pictures.add(RgbImage.read(p)); // unreadable or oversize images fail before the model loads
        try (LanguageModel lm = runtime.load(err)) {
            ImagePrompt prompt = lm.withImages(promptIds(lm), pictures);
            SamplingParams params = new SamplingOverrides(maxNewTokens, temperature, topP, topK, repetitionPenalty, seed)
                    .applyTo(lm.defaultSampling(null));
            if (ignoreEos) params = params.withStopTokenIds(List.of());
            List<Integer> ids = new ArrayList<>();
            GenerationResult r = lm.generate(prompt, params, (id, text) -> {
                if (printIds) {
                    if (id >= 0) {
                        out.print((ids.isEmpty() ? "" : " ") + id);
                        ids.add(id);
                        out.flush();
                    }
                } else if (!text.isEmpty()) {
                    out.print(text);
                    out.flush();
                }
            });
            out.println();
            out.flush();
            if (!GlobalOptions.quiet()) {
                err.println(String.format(Locale.ROOT,
                        "smelt: %d prompt tokens, %d generated (%s); prefill %.1f tok/s, decode %.1f tok/s",
                        r.promptTokens(), r.tokenIds().size(), r.stopReason().name().toLowerCase(Locale.ROOT),
                        r.prefillTokensPerSecond(), r.decodeTokensPerSecond()));
                err.flush();
            }
        }
        return 0;
    }

    /** Out-of-range sampling values are usage errors, found before the model loads. */
    private void checkRanges() {
        UsageErrorHandler.require(maxNewTokens == null || maxNewTokens >= 0, spec,
                "--max-new-tokens must be 0 or more, got " + maxNewTokens);
        UsageErrorHandler.require(temperature == null || temperature >= 0, spec, "--temperature must be 0 or more, got " + temperature);
        UsageErrorHandler.require(topP == null || (topP > 0 && topP <= 1), spec, "--top-p must be in (0, 1], got " + topP);
        UsageErrorHandler.require(topK == null || topK >= 0, spec, "--top-k must be 0 or more, got " + topK);
        UsageErrorHandler.require(repetitionPenalty == null || repetitionPenalty > 0, spec,
                "--repetition-penalty must be above 0, got " + repetitionPenalty);
    }

    private long[] promptIds(LanguageModel lm) throws IOException {
        if (input.promptIds != null) return input.promptIds.stream().mapToLong(Long::longValue).toArray();
        if (input.chat != null) {
            List<ChatMessage> messages = new ArrayList<>();
            if (system != null) messages.add(ChatMessage.system(system));
            messages.add(images.isEmpty() ? ChatMessage.user(input.chat) : lm.userWithImages(input.chat, images.size()));
            return lm.encodeChat(messages);
        }
        String text = input.prompt;
        if (input.promptFile != null) {
            try {
                text = Files.readString(input.promptFile);
            } catch (NoSuchFileException e) {
                throw new SmeltException(input.promptFile + ": no such file");
            }
        }
        return lm.encodePrompt(text);
    }

}
