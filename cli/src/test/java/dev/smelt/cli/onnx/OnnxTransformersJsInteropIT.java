package dev.smelt.cli.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.smelt.cli.Smelt;
import dev.smelt.core.model.Architecture;
import dev.smelt.core.model.ModelDirectory;
import dev.smelt.core.tiny.TinyModelSpec;
import dev.smelt.core.tiny.TinyModelWriter;
import dev.smelt.models.CausalLM;
import dev.smelt.models.ModelLoader;
import dev.smelt.models.generate.GenerationTokenizer;
import dev.smelt.models.generate.Generator;
import dev.smelt.models.generate.SamplingParams;
import dev.smelt.testkit.cli.CliRunner;
import dev.smelt.testkit.interop.InteropTool;
import dev.smelt.testkit.interop.NodeTools;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * transformers.js 4.3.1 ({@code @huggingface/transformers}, its bundled onnxruntime-node) loads
 * {@code smelt convert onnx} folders with {@code AutoModelForCausalLM.from_pretrained(dir, {dtype})} and generates
 * greedily through its own cache handling (empty caches from the graph metadata, {@code present → past_key_values});
 * the tokens must be Smelt's. Needs {@code interop/install.sh} (or {@code SMELT_TJS_MODULES}: a node_modules folder
 * holding transformers.js 4.3.1).
 */
class OnnxTransformersJsInteropIT {
    private static final CliRunner SMELT = new CliRunner(Smelt::run);
    private static final int STEPS = 32;

    record Tjs(Path node, Path modules, Path script) {}

    @RegisterExtension
    static final InteropTool<Tjs> TJS = InteropTool.of("transformers.js interop", () -> {
        Path node = NodeTools.node().orElseThrow(() -> new InteropTool.Missing(NodeTools.nodeMissing()));
        Path interop = NodeTools.harness("interop").orElseThrow(() -> new InteropTool.Missing(NodeTools.harnessMissing("interop")));
        String env = System.getenv("SMELT_TJS_MODULES");
        Path modules = env != null && !env.isBlank() ? Path.of(env) : interop.resolve("node_modules");
        Path pkg = modules.resolve("@huggingface/transformers/package.json");
        if (!Files.isRegularFile(pkg) || !Files.readString(pkg).contains("\"version\": \"4.3.1\"")) {
            throw new InteropTool.Missing("transformers.js 4.3.1 is not installed in " + modules + " (run interop/install.sh)");
        }
        return new Tjs(node, modules, interop.resolve("scripts/tjs-generate.mjs"));
    });

    @TempDir Path tmp;

    /**
     * fp32 exports: transformers.js's greedy tokens equal Smelt's. fp16 ({@code model_fp16.onnx}): equal to Smelt's
     * fp16 greedy tokens (the two round at the same points, OnnxParityIT). q4 ({@code dtype: 'q4'}, MatMulNBits): loaded and
     * run; at least 80% of its tokens are Smelt's fp32 ones. {@code --optimize} exports (GroupQueryAttention,
     * RotaryEmbedding, SkipSimplifiedLayerNormalization, MatMulNBits) the same through onnxruntime-node 1.30's
     * contrib ops.
     */
    @ParameterizedTest(name = "{0} {1} {2}")
    @CsvSource({"llama,fp32,plain", "qwen2,fp32,plain", "qwen3,fp32,plain", "llama,fp16,plain", "qwen2,fp16,plain",
        "qwen3,fp16,plain", "qwen3,q4,plain", "llama,fp32,optimize", "qwen3,fp32,optimize", "qwen3,q4,optimize"})
    void transformersJsGeneratesSmeltsGreedyTokens(String arch, String dtype, String form) throws Exception {
        Path model = tmp.resolve(arch);
        TinyModelWriter.write(TinyModelSpec.builder(Architecture.fromModelType(arch)).seed(11).build(), model);
        Path out = tmp.resolve(arch + "-onnx");
        List<String> args = new java.util.ArrayList<>(List.of("convert", "onnx", "--model", model.toString(), "--out",
                out.toString(), "--dtype", dtype));
        if (form.equals("optimize")) args.add("--optimize");
        CliRunner.Result r = SMELT.run(args.toArray(String[]::new));
        assertThat(r.code()).as(r.err()).isZero();
        ModelDirectory dir = ModelDirectory.open(model);
        long[] prompt;
        try (GenerationTokenizer tok = GenerationTokenizer.open(dir)) {
            prompt = tok.encode("The quick brown fox", false);
        }
        long[] smelt;
        try (CausalLM lm = ModelLoader.load(dir, Device.cpu(), dtype.equals("fp16") ? DataType.FLOAT16 : DataType.FLOAT32)) {
            smelt = new Generator(lm, null).generate(prompt, SamplingParams.greedy(STEPS, List.of()), null)
                    .tokenIds().stream().mapToLong(Integer::longValue).toArray();
        }
        JsonNode got = tjs(out, dtype, prompt);
        long[] ids = new long[got.path("ids").size()];
        for (int i = 0; i < ids.length; i++) ids[i] = got.path("ids").get(i).asLong();
        assertThat(ids).hasSize(STEPS);
        if (dtype.equals("fp32") || dtype.equals("fp16")) {
            assertThat(ids).containsExactly(smelt);
        } else {
            int agree = 0;
            for (int i = 0; i < STEPS; i++) if (ids[i] == smelt[i]) agree++;
            System.out.printf("transformers.js %s %s %s: %d/%d tokens equal Smelt's fp32 greedy run%n", arch, dtype, form, agree, STEPS);
            assertThat(agree).isGreaterThanOrEqualTo((int) Math.ceil(0.8 * STEPS));
        }
    }

    /**
     * qwen3_5 (fp32): transformers.js loads the export (config.json lifted to {@code qwen3_5_text}, so it is a
     * decoder-only model with {@code past_conv}/{@code past_recurrent} states) and its first generated token is
     * Smelt's. Only the first: transformers.js 4.3.1 gives text-only decode steps wrong mRoPE positions (past + 2 ×
     * prompt; reference §2.4), so later tokens follow other positions; the whole sequence is checked in onnxruntime
     * by OnnxParityIT. The {@code --optimize} export (CausalConvWithState, LinearAttention, GroupQueryAttention) the
     * same through onnxruntime-node 1.30, and the q4 export (MatMulNBits bits 4, and bits 8 in the linear-attention
     * layers) as {@code dtype: 'q4'}.
     */
    @ParameterizedTest(name = "qwen3_5 {0} {1}")
    @CsvSource({"plain,fp32", "optimize,fp32", "plain,q4"})
    void transformersJsRunsTheQwen35ExportAndAgreesOnTheFirstToken(String form, String dtype) throws Exception {
        Path model = tmp.resolve("qwen3_5");
        TinyModelWriter.write(TinyModelSpec.builder(Architecture.QWEN3_5).seed(11).build(), model);
        Path out = tmp.resolve("qwen3_5-onnx");
        CliRunner.Result r = form.equals("optimize")
                ? SMELT.run("convert", "onnx", "--model", model.toString(), "--out", out.toString(), "--optimize")
                : SMELT.run("convert", "onnx", "--model", model.toString(), "--out", out.toString(), "--dtype", dtype);
        assertThat(r.code()).as(r.err()).isZero();
        ModelDirectory dir = ModelDirectory.open(model);
        long[] prompt;
        try (GenerationTokenizer tok = GenerationTokenizer.open(dir)) {
            prompt = tok.encode("The quick brown fox", false);
        }
        long[] smelt;
        try (CausalLM lm = ModelLoader.load(dir, Device.cpu(), DataType.FLOAT32)) {
            smelt = new Generator(lm, null).generate(prompt, SamplingParams.greedy(4, List.of()), null)
                    .tokenIds().stream().mapToLong(Integer::longValue).toArray();
        }
        JsonNode got = tjs(out, dtype, prompt, 4);
        System.out.printf("transformers.js qwen3_5 " + form + " " + dtype + ": %s (%s), Smelt %s%n", got.path("ids"), got.path("model_class").asText(),
                java.util.Arrays.toString(smelt));
        assertThat(got.path("model_class").asText()).isEqualTo("Qwen3_5ForCausalLM");
        assertThat(got.path("ids")).hasSize(4);
        assertThat(got.path("ids").get(0).asLong()).isEqualTo(smelt[0]);
    }

    /**
     * {@code --image-text}: transformers.js loads the folder as {@code Qwen3_5ForConditionalGeneration} (vision_encoder,
     * embed_tokens, decoder_model_merged), preprocesses the image with its own processor (same 20×14 patch grid as
     * Smelt's) and its first generated token is {@code smelt generate --image}'s (only the first, as above; measured:
     * the first three of four agreed). fp16: transformers.js's {@code dtype: 'fp16'} finds the {@code _fp16} files
     * (measured: the same four tokens as fp32).
     */
    @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"fp32", "fp16"})
    void transformersJsRunsTheImageTextLayoutAndAgreesOnTheFirstToken(String dtype) throws Exception {
        Path model = tmp.resolve("qwen3_5-vision");
        TinyModelWriter.write(TinyModelSpec.builder(Architecture.QWEN3_5).seed(11).vision(true).build(), model);
        Path out = tmp.resolve("qwen3_5-vision-onnx");
        CliRunner.Result r = SMELT.run("convert", "onnx", "--model", model.toString(), "--out", out.toString(), "--image-text",
                "--dtype", dtype);
        assertThat(r.code()).as(r.err()).isZero();
        Path image = tmp.resolve("image.png");
        java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(48, 64, java.awt.image.BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 64; y++) {
            for (int x = 0; x < 48; x++) {
                img.setRGB(x, y, ((x * 7 + 93) % 256) << 16 | ((y * 5 + x * 3) % 256) << 8 | (((x / 8 + y / 8) % 2) * 200 + 3));
            }
        }
        javax.imageio.ImageIO.write(img, "png", image.toFile());
        CliRunner.Result gen = SMELT.run("generate", "--model", model.toString(), "--image", image.toString(), "--chat", "Describe",
                "--max-new-tokens", "4", "--ignore-eos", "--print-ids");
        assertThat(gen.code()).as(gen.err()).isZero();
        long[] smelt = java.util.Arrays.stream(gen.out().strip().split("\\s+")).mapToLong(Long::parseLong).toArray();
        Tjs t = TJS.get();
        Process p = new ProcessBuilder(t.node().toString(), t.script().resolveSibling("tjs-image.mjs").toString(),
                t.modules().toString(), out.toString(), image.toString(), "Describe", "4", dtype).start();
        p.getOutputStream().close();
        byte[] stdout = p.getInputStream().readAllBytes();
        String stderr = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(180, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(stderr).isZero();
        String line = new String(stdout, StandardCharsets.UTF_8).strip();
        JsonNode got = new ObjectMapper().readTree(line.substring(line.lastIndexOf('\n') + 1));
        System.out.printf("transformers.js image+text %s: %s (%s, grid %s, %d prompt ids), Smelt %s%n", dtype, got.path("ids"),
                got.path("model_class").asText(), got.path("grid"), got.path("prompt_ids").size(), java.util.Arrays.toString(smelt));
        assertThat(got.path("model_class").asText()).isEqualTo("Qwen3_5ForConditionalGeneration");
        assertThat(got.path("grid").toString()).isEqualTo("[1,20,14]");
        assertThat(got.path("ids").get(0).asLong()).isEqualTo(smelt[0]);
    }

    private JsonNode tjs(Path dir, String dtype, long[] prompt) throws Exception {
        return tjs(dir, dtype, prompt, STEPS);
    }

    private JsonNode tjs(Path dir, String dtype, long[] prompt, int steps) throws Exception {
        Tjs t = TJS.get();
        String ids = LongStream.of(prompt).mapToObj(Long::toString).collect(Collectors.joining(","));
        Process p = new ProcessBuilder(t.node().toString(), t.script().toString(), t.modules().toString(), dir.toString(),
                dtype, ids, Integer.toString(steps)).redirectErrorStream(false).start();
        p.getOutputStream().close();
        byte[] stdout = p.getInputStream().readAllBytes();
        String stderr = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(stderr).isZero();
        String line = new String(stdout, StandardCharsets.UTF_8).strip();
        return new ObjectMapper().readTree(line.substring(line.lastIndexOf('\n') + 1));
    }
}
