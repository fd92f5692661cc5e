package dev.smelt.testkit.interop;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.smelt.core.SmeltException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Runs the node scripts of the repository's {@code interop/} harness (llama.cpp via node-llama-cpp's prebuilt
 * CPU binaries, and @huggingface/gguf) and parses their JSON output. Interop tests of every module get it through
 * {@link InteropTool#llamaCpp()}, which skips or fails when it is missing; {@code smelt bench generate} through
 * {@link #require()}. The harness and node are found by {@link NodeTools}. Install it with {@code interop/install.sh}.
 */
public final class LlamaCppHarness {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path node;
    private final Path interopDir;

    private LlamaCppHarness(Path node, Path interopDir) {
        this.node = node;
        this.interopDir = interopDir;
    }

    public static Optional<LlamaCppHarness> locate() {
        Path node = NodeTools.node().orElse(null);
        Path dir = NodeTools.harness("interop").orElse(null);
        if (node == null || dir == null || !installed(dir)) return Optional.empty();
        return Optional.of(new LlamaCppHarness(node, dir));
    }

    /** Why {@link #locate()} finds nothing, for skip and failure messages. */
    public static String missingReason() {
        Path dir = NodeTools.harness("interop").orElse(null);
        if (NodeTools.node().isEmpty()) return NodeTools.nodeMissing();
        if (dir == null) return NodeTools.harnessMissing("interop");
        if (!installed(dir)) return "the interop harness is not installed: run " + dir.resolve("install.sh");
        return "harness available";
    }

    public static LlamaCppHarness require() {
        return locate().orElseThrow(() -> new SmeltException("llama.cpp interop harness unavailable: " + missingReason()));
    }

    public Path interopDir() {
        return interopDir;
    }

    /** {@code harness-info.mjs}: versions of node, node-llama-cpp, @huggingface/gguf and the llama.cpp release. */
    public JsonNode info() {
        return run("harness-info.mjs", List.of(), Duration.ofMinutes(2));
    }

    /** {@code gguf-info.mjs}: what @huggingface/gguf parses from the file (metadata with type ids, tensor infos). */
    public JsonNode ggufInfo(Path gguf) {
        return run("gguf-info.mjs", List.of(gguf.toAbsolutePath().toString()), Duration.ofMinutes(2));
    }

    /**
     * {@code gguf-set-metadata.mjs}: rewrites {@code in} to {@code out} with @huggingface/gguf's header writer,
     * applying {@code setJson} ({@code {key: {type, sub_type?, value}}}, null value deletes). Tensor data is copied.
     */
    public JsonNode rewriteMetadata(Path in, Path out, String setJson) {
        return run("gguf-set-metadata.mjs", List.of(in.toAbsolutePath().toString(), out.toAbsolutePath().toString(),
                "--set", setJson), Duration.ofMinutes(2));
    }

    /** One greedy step: the chosen token, its probability and llama.cpp's top-k candidates. */
    public record Step(int token, double confidence, List<double[]> top) {}

    /** Result of {@link #generate}: generated ids and per-step probabilities. */
    public record Generation(int[] tokens, List<Step> steps, String llamaCppRelease, JsonNode raw) {}

    /** {@code llama-generate.mjs}: loads the GGUF with llama.cpp (CPU) and greedily generates {@code n} tokens after {@code prompt}. */
    public Generation generate(Path gguf, int[] prompt, int n, int topK) {
        if (prompt.length == 0) throw new IllegalArgumentException("empty prompt");
        StringBuilder ids = new StringBuilder();
        for (int t : prompt) ids.append(ids.length() == 0 ? "" : ",").append(t);
        JsonNode out = run("llama-generate.mjs", List.of(gguf.toAbsolutePath().toString(), "--tokens", ids.toString(),
                "--n", Integer.toString(n), "--top", Integer.toString(topK), "--ctx",
                Integer.toString(Math.max(64, prompt.length + n + 8))), Duration.ofMinutes(5));
        int[] tokens = new int[out.path("tokens").size()];
        for (int i = 0; i < tokens.length; i++) tokens[i] = out.path("tokens").get(i).asInt();
        List<Step> steps = new ArrayList<>();
        for (JsonNode s : out.path("steps")) {
            List<double[]> top = new ArrayList<>();
            for (JsonNode pair : s.path("top")) top.add(new double[] {pair.get(0).asDouble(), pair.get(1).asDouble()});
            steps.add(new Step(s.path("token").asInt(), s.path("confidence").asDouble(), top));
        }
        return new Generation(tokens, steps, out.path("llama_cpp_release").asText(null), out);
    }

    /** {@code llama-bench.mjs}: llama.cpp prefill and decode tokens/s (medians in the returned JSON). */
    public JsonNode bench(Path gguf, int promptTokens, int genTokens, int repeat, int threads) {
        return run("llama-bench.mjs", List.of(gguf.toAbsolutePath().toString(), "--prompt", Integer.toString(promptTokens),
                "--gen", Integer.toString(genTokens), "--repeat", Integer.toString(repeat), "--threads",
                Integer.toString(threads)), Duration.ofMinutes(10));
    }

    /** Runs {@code interop/scripts/<script>} and parses the single JSON document it prints. */
    public JsonNode run(String script, List<String> args, Duration timeout) {
        List<String> cmd = new ArrayList<>();
        cmd.add(node.toString());
        cmd.add(interopDir.resolve("scripts").resolve(script).toString());
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(interopDir.toFile());
        pb.environment().put("NODE_LLAMA_CPP_SKIP_DOWNLOAD", "true");
        ToolRun.Output o = ToolRun.run(pb, script, timeout, 5);
        try {
            return JSON.readTree(o.out());
        } catch (IOException e) {
            throw new SmeltException(script + " printed no JSON: " + ToolRun.lastLines(o.out() + o.err(), 5));
        }
    }

    private static boolean installed(Path dir) {
        return Files.isDirectory(dir.resolve("node_modules/node-llama-cpp"))
                && Files.isDirectory(dir.resolve("node_modules/@huggingface/gguf"))
                && Files.isRegularFile(dir.resolve("scripts/llama-generate.mjs"));
    }
}
