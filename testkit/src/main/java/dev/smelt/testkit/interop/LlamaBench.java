package dev.smelt.testkit.interop;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.smelt.core.SmeltException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * llama.cpp's own {@code llama-bench} (built by {@code interop/build-llama-tools.sh}, found by {@link LlamaTools}):
 * prefill and decode tokens/s of a GGUF without any harness between the caller and llama.cpp. node-llama-cpp's
 * evaluation loop wakes a JavaScript thread per token, and with as many llama.cpp threads as cores that thread waits
 * for a core the compute threads hold: on the 2-core development machine its 2-thread decode of a ~100M F32 model
 * measured 45–54 tokens/s where llama-bench measured 122.
 */
public final class LlamaBench {
    public static final String BINARY = "llama-bench";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path binary;

    public LlamaBench(Path binary) {
        this.binary = binary;
    }

    public static Optional<LlamaBench> locate() {
        return LlamaTools.binary(BINARY).map(LlamaBench::new);
    }

    public Path binary() {
        return binary;
    }

    /** Tokens/s of one prefill and of one decode after it. */
    public record Speeds(double prefillTokensPerSecond, double decodeTokensPerSecond) {}

    /**
     * One prefill of {@code promptTokens - 1} tokens into an empty context (as the harness and Smelt's benchmark
     * measure it: the last prompt token is the first decoded one), and {@code genTokens} decoded one at a time after a
     * context of {@code promptTokens} (llama-bench's {@code -d}), each as one repetition of its own test.
     */
    public Speeds measure(Path gguf, int promptTokens, int genTokens, int threads) {
        double prefill = tokensPerSecond(gguf, threads, "-p", Integer.toString(promptTokens - 1), "-n", "0", "-d", "0");
        double decode = tokensPerSecond(gguf, threads, "-p", "0", "-n", Integer.toString(genTokens), "-d",
                Integer.toString(promptTokens));
        return new Speeds(prefill, decode);
    }

    private double tokensPerSecond(Path gguf, int threads, String... test) {
        List<String> cmd = new ArrayList<>(List.of(binary.toString(), "-m", gguf.toAbsolutePath().toString(),
                "-t", Integer.toString(threads), "-r", "1", "-o", "json"));
        cmd.addAll(List.of(test));
        ToolRun.Output out = ToolRun.run(new ProcessBuilder(cmd), BINARY, Duration.ofMinutes(10), 5);
        try {
            JsonNode results = JSON.readTree(out.out());
            if (!results.isArray() || results.size() != 1 || !results.get(0).path("avg_ts").isNumber()) {
                throw new SmeltException(BINARY + ": expected one result with avg_ts, got " + ToolRun.lastLines(out.out(), 3));
            }
            return results.get(0).path("avg_ts").asDouble();
        } catch (IOException e) {
            throw new SmeltException(BINARY + ": its output is not JSON: " + ToolRun.lastLines(out.out(), 3), e);
        }
    }
}
