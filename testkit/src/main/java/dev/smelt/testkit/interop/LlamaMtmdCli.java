package dev.smelt.testkit.interop;

import dev.smelt.core.SmeltException;
import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs llama.cpp's multimodal CLI ({@code llama-mtmd-cli}, built by {@code interop/build-llama-tools.sh}) once: a
 * text GGUF, its mmproj GGUF, images and one user message, greedy. The CLI renders the message with the text GGUF's
 * own chat template ({@code tokenizer.chat_template} through its jinja engine: {@code --jinja}, which this CLI leaves
 * off by default and then falls back to a built-in guess of the format, e.g. ChatML without Qwen3.5's {@code <think>}
 * line), putting its media marker {@code <__media__>} before the text once per image (what {@link #MEDIA_MARKER} stands
 * for in {@link Answer#renderedPrompt()}), replaces each marker
 * by the projector's image chunk (Qwen3-VL / Qwen3.5: {@code <|vision_start|>} + the image embeddings +
 * {@code <|vision_end|>}), decodes, and prints each generated token's text until an end-of-generation token or
 * {@code maxNewTokens}.
 *
 * <pre>{@code
 * @RegisterExtension static final InteropTool<Path> MTMD = InteropTool.llamaBinary(LlamaMtmdCli.BINARY);
 * LlamaMtmdCli.Answer a = new LlamaMtmdCli(MTMD.get()).generate(textGguf, mmproj, List.of(png), "What is this?", 16);
 * a.text();            // the answer as printed: compare with LlamaMtmdCli.printed(expected, stoppedAtEos)
 * a.renderedPrompt();  // the chat-templated prompt llama.cpp tokenized, with <__media__> where each image goes
 * }</pre>
 *
 * <p>Settings chosen so that a comparison is about the model and not the runtime: {@code --temp 0} (greedy),
 * {@code --no-warmup} (the Qwen-VL warm-up encodes a 2116-token image, minutes on a busy CPU), one thread
 * ({@code -t 1}: llama.cpp's spinning workers crawl on oversubscribed cores), flash attention off and an F32 KV cache
 * (llama.cpp's CPU defaults compute attention in F16), a 1024-token context unless told otherwise.
 */
public final class LlamaMtmdCli {
    /** The executable's name in the tools directory ({@link LlamaTools}). */
    public static final String BINARY = "llama-mtmd-cli";
    /** What llama-mtmd-cli puts in the rendered prompt where an image goes ({@code mtmd_default_marker()}). */
    public static final String MEDIA_MARKER = "<__media__>";

    private static final String RESPONSE_MARKER = "<<<smelt-mtmd-response>>>";
    private static final String PROMPT_LOG = "formatted_chat.prompt: ";

    private final Path binary;
    private int context = 1024;
    private Duration timeout = Duration.ofMinutes(5);

    public LlamaMtmdCli(Path binary) {
        this.binary = binary;
    }

    /** The context size ({@code -c}); the prompt with its image tokens and the answer must fit. */
    public LlamaMtmdCli context(int tokens) {
        this.context = tokens;
        return this;
    }

    public LlamaMtmdCli timeout(Duration t) {
        this.timeout = t;
        return this;
    }

    /**
     * @param text           what the CLI printed for the answer: each generated token's piece (special tokens spelled
     *                       out), then a newline if an end-of-generation token (not printed) ended it; compare with
     *                       {@link #printed(String, boolean)}
     * @param renderedPrompt the chat-templated prompt before the media markers were replaced by image chunks
     * @param log            everything the CLI wrote to stderr (timings, image token counts), for failure messages
     */
    public record Answer(String text, String renderedPrompt, String log) {}

    /** One greedy answer to {@code prompt} about {@code images} (in order, each placed before the text). */
    public Answer generate(Path textGguf, Path mmproj, List<Path> images, String prompt, int maxNewTokens) {
        List<String> cmd = new ArrayList<>(List.of(binary.toString(), "-m", textGguf.toAbsolutePath().toString(),
                "--mmproj", mmproj.toAbsolutePath().toString()));
        for (Path image : images) cmd.addAll(List.of("--image", image.toAbsolutePath().toString()));
        cmd.addAll(List.of("-p", prompt, "-n", Integer.toString(maxNewTokens), "--temp", "0", "--seed", "1",
                "--no-warmup", "-t", "1", "-c", Integer.toString(context), "-fa", "off", "-ctk", "f32", "-ctv", "f32",
                "--jinja", "--log-verbose", "--log-colors", "off"));
        // llama.cpp logs through a queue that a worker thread empties, and the CLI exits without waiting for it
        // (common/log.cpp leaks the logger on purpose, llama.cpp issue #22142): on a busy machine the end of the output,
        // the answer included, can be lost. The timing summary is logged after the answer, so a run whose summary came
        // out printed everything before it; an incomplete run is repeated.
        String out = "";
        String err = "";
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            ToolRun.Output run = runOnce(cmd);
            out = run.out();
            err = run.err();
            if (err.contains(TIMING_SUMMARY)) break;
        }
        if (!err.contains(TIMING_SUMMARY)) {
            throw new SmeltException(BINARY + " exited before its output was written, " + ATTEMPTS + " times: "
                    + ToolRun.lastLines(out + err, 8));
        }
        // stdout: the marker line, the newline that ends the prompt's evaluation, the answer (plus a newline when an
        // end-of-generation token stopped it), then the two newlines the CLI ends with
        String head = RESPONSE_MARKER + "\n\n";
        int at = out.indexOf(head);
        if (at < 0 || !out.endsWith("\n\n") || out.length() < at + head.length() + 2) {
            throw new SmeltException(BINARY + " printed no answer in the expected frame: " + ToolRun.lastLines(out + err, 8));
        }
        return new Answer(out.substring(at + head.length(), out.length() - 2), renderedPrompt(err), err);
    }

    private static final int ATTEMPTS = 3;
    private static final String TIMING_SUMMARY = "llama_perf_context_print:       total time";

    /** stdout and stderr of one run that exited with 0. */
    private ToolRun.Output runOnce(List<String> cmd) {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        // printed on stdout right before the answer, so the answer is what follows it
        pb.environment().put("MTMD_TEST_RESPONSE_MARKER", RESPONSE_MARKER);
        return ToolRun.run(pb, BINARY, timeout, 8);
    }

    /**
     * What llama-mtmd-cli prints for an answer ({@link Answer#text()}): the answer's text, and a newline after it when an
     * end-of-generation token ended it ({@code stoppedAtEndOfGeneration}) rather than the token limit.
     */
    public static String printed(String answer, boolean stoppedAtEndOfGeneration) {
        return stoppedAtEndOfGeneration ? answer + "\n" : answer;
    }

    /**
     * The prompt from the CLI's debug line {@code formatted_chat.prompt: …}: it runs up to the newline before the next
     * log line (verbose log lines start with a timestamp and a level letter, e.g. {@code 0.00.287.276 D }).
     */
    private static String renderedPrompt(String log) {
        int at = log.indexOf(PROMPT_LOG);
        if (at < 0) return null;
        String rest = log.substring(at + PROMPT_LOG.length());
        Matcher next = NEXT_LOG_LINE.matcher(rest);
        return next.find() ? rest.substring(0, next.start()) : rest;
    }

    private static final Pattern NEXT_LOG_LINE = Pattern.compile("\n(?=\\d+\\.\\d{2}\\.\\d{3}\\.\\d{3} [DIWE] )");
}
