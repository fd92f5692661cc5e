package dev.smelt.cli.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import dev.smelt.cli.Smelt;
import dev.smelt.core.model.Architecture;
import dev.smelt.core.model.DenseConfig;
import dev.smelt.core.model.ModelConfig;
import dev.smelt.core.model.ModelDirectory;
import dev.smelt.core.safetensors.DType;
import dev.smelt.core.safetensors.SafetensorsModel;
import dev.smelt.core.safetensors.SafetensorsWriter;
import dev.smelt.core.safetensors.TensorSource;
import dev.smelt.converter.onnx.Int4Packing;
import dev.smelt.quantizer.onnx.MatMulNBitsPacking;
import dev.smelt.core.tiny.TinyModelSpec;
import dev.smelt.core.tiny.TinyModelWriter;
import dev.smelt.models.CausalLM;
import dev.smelt.models.DecoderCache;
import dev.smelt.models.ModelLoader;
import dev.smelt.models.generate.GenerationTokenizer;
import dev.smelt.models.generate.Generator;
import dev.smelt.models.generate.SamplingParams;
import dev.smelt.testkit.cli.CliRunner;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import dev.smelt.trainer.lora.LoraSettings;
import dev.smelt.trainer.merge.AdapterMerger;
import dev.smelt.trainer.peft.AdapterConfig;
import dev.smelt.trainer.peft.AdapterFiles;
import dev.smelt.trainer.peft.LoraPair;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code smelt convert onnx} on create-tiny models, run in onnxruntime through the cache I/O, against the same model
 * in Smelt's DJL implementation at the same precision: the prompt's logits, then 32 cached decode steps along
 * Smelt's greedy path, and the greedy tokens against {@code smelt generate}'s generator.
 */
class OnnxParityIT {
    private static final CliRunner SMELT = new CliRunner(Smelt::run);
    static final int STEPS = 32;
    @TempDir Path tmp;

    @ParameterizedTest(name = "{0} {1}")
    // fp32: measured 1.1e-5-1.3e-5 (dense), 9.6e-5 (qwen3_5: the export runs the delta rule token by token, Smelt's
    // prefill chunk-wise). fp16: the export and Smelt's fp16 forward round at the same points (models README, "fp16":
    // float16 matrices and matmul outputs, float32 residual stream, norms, rotary, softmax, SwiGLU product, biases,
    // qwen3_5's conv, gates and recurrence), so they differ by accumulation order flipping a float16 rounding now and
    // then. Measured against Smelt's fp16 / Smelt's fp32 / Smelt's fp32 on the float16 weights (Smelt's own fp16 from
    // its fp32, before -> after the shared policy): llama 0.0176 / 0.0233 / 0.0228 (0.0355 -> 0.0231), qwen2 0.0156 /
    // 0.0212 / 0.0176 (0.0272 -> 0.0219), qwen3 0.0078 / 0.0239 / 0.0175 (0.0279 -> 0.0239), qwen3_5 0.0156 / 0.124 /
    // 0.093 (0.609 -> 0.124). Logits reach |17|, where one float16 step is 0.0156: the logits themselves stay float16
    // (a float32 lm_head brought llama to 0.014 and qwen3_5 to 0.017, for a float32 copy of the head at run time).
    @CsvSource({"llama,fp32,1e-4,1e-4", "qwen2,fp32,1e-4,1e-4", "qwen3,fp32,1e-4,1e-4", "qwen3_5,fp32,1e-4,1e-4",
        "llama,fp16,2e-2,5e-2", "qwen2,fp16,2e-2,5e-2", "qwen3,fp16,2e-2,5e-2", "qwen3_5,fp16,2e-2,1.5e-1"})
    void onnxruntimeLogitsAndGreedyTokensMatchSmelt(String arch, String dtype, double tolerance, double fp32Tolerance) throws Exception {
        Path model = tmp.resolve(arch);
        TinyModelWriter.write(TinyModelSpec.builder(Architecture.fromModelType(arch)).seed(11).build(), model);
        Path out = tmp.resolve(arch + "-onnx");
        CliRunner.Result r = SMELT.run("convert", "onnx", "--model", model.toString(), "--out", out.toString(), "--dtype", dtype);
        assertThat(r.code()).as(r.err()).isZero();
        Path file = out.resolve(dtype.equals("fp32") ? "onnx/model.onnx" : "onnx/model_fp16.onnx");
        assertThat(r.out()).startsWith("wrote " + file + " (" + arch + " " + dtype + ", ");

        ModelDirectory dir = ModelDirectory.open(model);
        ModelConfig c = dir.config();
        long[] prompt;
        try (GenerationTokenizer tok = GenerationTokenizer.open(dir)) {
            prompt = tok.encode("The quick brown fox", false);
        }
        assertThat(prompt.length).isGreaterThan(3);
        double worst = 0;
        DataType precision = dtype.equals("fp32") ? DataType.FLOAT32 : DataType.FLOAT16;
        boolean half = precision != DataType.FLOAT32;
        double toFp32 = 0;
        double smeltToFp32 = 0;
        double toHalfWeights = 0;
        Path halfWeights = tmp.resolve(arch + "-f16");
        if (half) TinyModelWriter.write(TinyModelSpec.builder(Architecture.fromModelType(arch)).seed(11).dtype(DType.F16).build(), halfWeights);
        try (CausalLM djl = ModelLoader.load(dir, Device.cpu(), precision);
                CausalLM ref = half ? ModelLoader.load(dir, Device.cpu(), DataType.FLOAT32) : null;
                CausalLM ref16 = half ? ModelLoader.load(ModelDirectory.open(halfWeights), Device.cpu(), DataType.FLOAT32) : null;
                NDManager m = djl.manager().newSubManager();
                DecoderCache cache = djl.newCache(m, 1);
                NDManager m32 = half ? ref.manager().newSubManager() : null;
                DecoderCache cache32 = half ? ref.newCache(m32, 1) : null;
                NDManager m16 = half ? ref16.manager().newSubManager() : null;
                DecoderCache cache16 = half ? ref16.newCache(m16, 1) : null;
                OrtDecoder ort = new OrtDecoder(file, c.vocabSize())) {
            ParameterStore ps = new ParameterStore(m, false);
            ParameterStore ps32 = half ? new ParameterStore(m32, false) : null;
            ParameterStore ps16 = half ? new ParameterStore(m16, false) : null;
            float[][] onnx = ort.step(prompt);
            float[] smelt = djl.step(ps, m.create(prompt).reshape(1, prompt.length), cache, false)
                    .toType(DataType.FLOAT32, false).toFloatArray();
            for (int t = 0; t < prompt.length; t++) worst = Math.max(worst, maxDiff(onnx[t], smelt, t * c.vocabSize()));
            if (half) {
                float[] fp32 = ref.step(ps32, m32.create(prompt).reshape(1, prompt.length), cache32, false).toFloatArray();
                float[] w16 = ref16.step(ps16, m16.create(prompt).reshape(1, prompt.length), cache16, false).toFloatArray();
                for (int t = 0; t < prompt.length; t++) {
                    toHalfWeights = Math.max(toHalfWeights, maxDiff(onnx[t], w16, t * c.vocabSize()));
                    toFp32 = Math.max(toFp32, maxDiff(onnx[t], fp32, t * c.vocabSize()));
                    smeltToFp32 = Math.max(smeltToFp32, maxDiff(java.util.Arrays.copyOfRange(smelt, t * c.vocabSize(),
                            (t + 1) * c.vocabSize()), fp32, t * c.vocabSize()));
                }
            }
            long[] path = new long[STEPS];
            float[] lastRow = java.util.Arrays.copyOfRange(smelt, (prompt.length - 1) * c.vocabSize(), prompt.length * c.vocabSize());
            for (int i = 0; i < STEPS; i++) {
                path[i] = OrtDecoder.argmax(lastRow);
                onnx = ort.step(path[i]);
                lastRow = djl.step(ps, m.create(new long[] {path[i]}).reshape(1, 1), cache, false)
                        .toType(DataType.FLOAT32, false).toFloatArray();
                worst = Math.max(worst, maxDiff(onnx[0], lastRow, 0));
                if (half) {
                    float[] fp32 = ref.step(ps32, m32.create(new long[] {path[i]}).reshape(1, 1), cache32, false).toFloatArray();
                    toFp32 = Math.max(toFp32, maxDiff(onnx[0], fp32, 0));
                    float[] w16 = ref16.step(ps16, m16.create(new long[] {path[i]}).reshape(1, 1), cache16, false).toFloatArray();
                    toHalfWeights = Math.max(toHalfWeights, maxDiff(onnx[0], w16, 0));
                    smeltToFp32 = Math.max(smeltToFp32, maxDiff(lastRow, fp32, 0));
                }
            }
            System.out.printf("onnx parity %s %s: max abs logit diff %.3g from Smelt %s over the prompt and %d cached steps%n",
                    arch, dtype, worst, dtype, STEPS);
            if (half) {
                System.out.printf("onnx parity %s %s: against Smelt fp32 %.3g (Smelt's own fp16: %.3g); against Smelt fp32 on"
                        + " the float16 weights %.3g%n", arch, dtype, toFp32, smeltToFp32, toHalfWeights);
                assertThat(toFp32).as("max abs logit difference from Smelt's fp32 logits").isLessThan(fp32Tolerance);
                // the float16 weights are the model this file holds; what is left is the cost of computing in float16
                assertThat(toHalfWeights).as("max abs logit difference from Smelt's fp32 logits of the float16 weights")
                        .isLessThan(arch.equals("qwen3_5") ? 0.1 : 4e-2);
            }
            assertThat(worst).as("max abs logit difference over the prompt and " + STEPS + " cached steps").isLessThan(tolerance);

            long[] generated = new Generator(djl, null).generate(prompt, SamplingParams.greedy(STEPS, List.of()), null)
                    .tokenIds().stream().mapToLong(Integer::longValue).toArray();
            assertThat(generated).containsExactly(path);
            try (OrtDecoder greedy = new OrtDecoder(file, c.vocabSize())) {
                assertThat(greedy.greedy(prompt, STEPS)).containsExactly(generated);
            }
        }
    }

    /**
     * {@code --optimize} (GroupQueryAttention, RotaryEmbedding, SimplifiedLayerNormalization /
     * SkipSimplifiedLayerNormalization, MatMulNBits): fp32 logits within 1e-4 of Smelt's over the prompt and 32 cached
     * steps and the generator's greedy tokens; q4 logits within 1e-4 of the plain q4 export's (the same MatMulNBits
     * weights) and its greedy tokens equal to the plain q4 export's.
     */
    @ParameterizedTest(name = "{0} {1} optimized")
    @CsvSource({"llama,fp32", "qwen2,fp32", "qwen3,fp32", "llama,q4", "qwen3,q4", "qwen3_5,fp32", "qwen3_5,q4"})
    void optimizedExportMatchesSmelt(String arch, String dtype) throws Exception {
        Path model = tmp.resolve(arch);
        TinyModelSpec.Builder spec = TinyModelSpec.builder(Architecture.fromModelType(arch)).seed(11);
        // qwen3_5 with 2 K heads shared by 4 V heads, so the heads LinearAttention sees are the repeated ones
        if (arch.equals("qwen3_5")) spec.linearKeyHeads(2).linearValueHeads(4);
        TinyModelWriter.write(spec.build(), model);
        Path out = tmp.resolve(arch + "-opt");
        CliRunner.Result r = SMELT.run("convert", "onnx", "--model", model.toString(), "--out", out.toString(), "--dtype", dtype,
                "--optimize");
        assertThat(r.code()).as(r.err()).isZero();
        Path file = out.resolve(dtype.equals("fp32") ? "onnx/model.onnx" : "onnx/model_q4.onnx");
        assertThat(r.out()).startsWith("wrote " + file + " (" + arch + " " + dtype + " optimized, ");
        String graph = new String(java.nio.file.Files.readAllBytes(file), java.nio.charset.StandardCharsets.ISO_8859_1);
        for (String op : arch.equals("qwen3_5") ? List.of("GroupQueryAttention", "CausalConvWithState", "LinearAttention", "com.microsoft")
                : List.of("GroupQueryAttention", "RotaryEmbedding", "SkipSimplifiedLayerNormalization", "com.microsoft")) {
            assertThat(graph).contains(op);
        }
        ModelDirectory dir = ModelDirectory.open(model);
        ModelConfig c = dir.config();
        long[] prompt;
        try (GenerationTokenizer tok = GenerationTokenizer.open(dir)) {
            prompt = tok.encode("The quick brown fox", false);
        }
        Path plainOut = tmp.resolve(arch + "-plain");
        if (dtype.equals("q4")) {
            CliRunner.Result p = SMELT.run("convert", "onnx", "--model", model.toString(), "--out", plainOut.toString(), "--dtype", dtype);
            assertThat(p.code()).as(p.err()).isZero();
        }
        double worst = 0;
        try (CausalLM djl = ModelLoader.load(dir, Device.cpu(), DataType.FLOAT32);
                NDManager m = djl.manager().newSubManager();
                DecoderCache cache = djl.newCache(m, 1);
                OrtDecoder ort = new OrtDecoder(file, c.vocabSize());
                OrtDecoder plain = dtype.equals("q4") ? new OrtDecoder(plainOut.resolve("onnx/model_q4.onnx"), c.vocabSize()) : null) {
            ParameterStore ps = new ParameterStore(m, false);
            float[][] onnx = ort.step(prompt);
            float[] want = plain != null ? flatten(plain.step(prompt))
                    : djl.step(ps, m.create(prompt).reshape(1, prompt.length), cache, false).toFloatArray();
            for (int t = 0; t < prompt.length; t++) worst = Math.max(worst, maxDiff(onnx[t], want, t * c.vocabSize()));
            float[] lastRow = java.util.Arrays.copyOfRange(want, (prompt.length - 1) * c.vocabSize(), prompt.length * c.vocabSize());
            for (int i = 0; i < STEPS; i++) {
                long token = OrtDecoder.argmax(lastRow);
                onnx = ort.step(token);
                lastRow = plain != null ? plain.step(token)[0]
                        : djl.step(ps, m.create(new long[] {token}).reshape(1, 1), cache, false).toFloatArray();
                worst = Math.max(worst, maxDiff(onnx[0], lastRow, 0));
            }
            System.out.printf("onnx parity %s %s optimized: max abs logit diff %.3g from %s over the prompt and %d cached"
                    + " steps%n", arch, dtype, worst, plain != null ? "the plain q4 export" : "Smelt fp32", STEPS);
            assertThat(graph).doesNotContain(arch.equals("qwen3_5") ? "Scan" : "Softmax");
            assertThat(worst).isLessThan(1e-4);
            long[] want32 = plain != null ? null
                    : new Generator(djl, null).generate(prompt, SamplingParams.greedy(STEPS, List.of()), null)
                            .tokenIds().stream().mapToLong(Integer::longValue).toArray();
            try (OrtDecoder greedy = new OrtDecoder(file, c.vocabSize())) {
                long[] got = greedy.greedy(prompt, STEPS);
                if (plain != null) {
                    try (OrtDecoder plainGreedy = new OrtDecoder(plainOut.resolve("onnx/model_q4.onnx"), c.vocabSize())) {
                        assertThat(got).containsExactly(plainGreedy.greedy(prompt, STEPS));
                    }
                } else {
                    assertThat(got).containsExactly(want32);
                }
            }
        }
    }

    /**
     * {@code --image-text}: onnx/vision_encoder.onnx run in onnxruntime on Smelt's own preprocessed patches of two
     * images (a stretched non-square one and a square one) gives Smelt's VisionEncoder features within 1e-4 relative;
     * then the image prompt (text, vision_start, the image's placeholder run, vision_end, text) through
     * embed_tokens.onnx, the features put in the placeholder rows, and decoder_model_merged.onnx at Smelt's mRoPE
     * positions gives {@code generate --image}'s prompt logits ({@code Qwen35Model.stepWithImages}) and 8 greedy
     * cached steps after it within 5e-4, the same tokens.
     */
    @Test
    void imageTextLayoutMatchesSmeltsImageFeaturesAndLogits() throws Exception {
        Path model = tmp.resolve("qwen3_5-vision");
        TinyModelWriter.write(TinyModelSpec.builder(Architecture.QWEN3_5).seed(11).vision(true).build(), model);
        Path out = tmp.resolve("qwen3_5-vision-onnx");
        CliRunner.Result r = SMELT.run("convert", "onnx", "--model", model.toString(), "--out", out.toString(), "--image-text");
        assertThat(r.code()).as(r.err()).isZero();
        Path file = out.resolve("onnx/vision_encoder.onnx");
        assertThat(file).isRegularFile();
        assertThat(out.resolve("onnx/model.onnx")).doesNotExist();
        ModelDirectory dir = ModelDirectory.open(model);
        dev.smelt.core.vision.ImagePreprocessor pre = new dev.smelt.core.vision.ImagePreprocessor(
                dev.smelt.core.vision.ImageProcessorConfig.read(model));
        ai.onnxruntime.OrtEnvironment env = ai.onnxruntime.OrtEnvironment.getEnvironment();
        try (dev.smelt.models.qwen35.Qwen35Model djl = (dev.smelt.models.qwen35.Qwen35Model) ModelLoader.load(dir, Device.cpu(), DataType.FLOAT32);
                NDManager m = djl.manager().newSubManager();
                ai.onnxruntime.OrtSession session = env.createSession(file.toString(), new ai.onnxruntime.OrtSession.SessionOptions())) {
            for (int[] size : new int[][] {{48, 64}, {64, 64}}) {
                dev.smelt.core.vision.PixelPatches px = pre.process(pattern(size[0], size[1]));
                float[] want = djl.visionEncoder().encode(px, m).toFloatArray();
                float[] got;
                try (ai.onnxruntime.OnnxTensor pixels = ai.onnxruntime.OnnxTensor.createTensor(env,
                                java.nio.FloatBuffer.wrap(px.values()), new long[] {px.numPatches(), px.rowLength()});
                        ai.onnxruntime.OnnxTensor grid = ai.onnxruntime.OnnxTensor.createTensor(env,
                                java.nio.LongBuffer.wrap(new long[] {px.gridT(), px.gridH(), px.gridW()}), new long[] {1, 3});
                        ai.onnxruntime.OrtSession.Result res = session.run(java.util.Map.of("pixel_values", pixels, "image_grid_thw", grid))) {
                    ai.onnxruntime.OnnxTensor features = (ai.onnxruntime.OnnxTensor) res.get("image_features").get();
                    assertThat(features.getInfo().getShape()).containsExactly(px.numTokens(), dir.config().hiddenSize());
                    java.nio.FloatBuffer fb = features.getFloatBuffer();
                    got = new float[fb.remaining()];
                    fb.get(got);
                }
                double scale = 0;
                for (float v : want) scale = Math.max(scale, Math.abs(v));
                double diff = maxDiff(got, want, 0);
                System.out.printf("onnx vision encoder %dx%d (grid %dx%d, %d tokens): max abs diff %.3g (features up to %.3g)%n",
                        size[0], size[1], px.gridH(), px.gridW(), px.numTokens(), diff, scale);
                assertThat(diff / scale).isLessThan(1e-4);
                if (size[0] == 48) imagePromptMatches(djl, m, px, got, out);
            }
        }
    }

    private void imagePromptMatches(dev.smelt.models.qwen35.Qwen35Model djl, NDManager m, dev.smelt.core.vision.PixelPatches px,
            float[] features, Path out) throws Exception {
        dev.smelt.core.model.Qwen35Config c = (dev.smelt.core.model.Qwen35Config) djl.config();
        int image = djl.imageTokenId();
        int hidden = c.hiddenSize();
        long[] ids = imagePromptIds(px, image);
        ai.onnxruntime.OrtEnvironment env = ai.onnxruntime.OrtEnvironment.getEnvironment();
        float[] embeds;
        try (ai.onnxruntime.OrtSession embed = env.createSession(out.resolve("onnx/embed_tokens.onnx").toString(),
                new ai.onnxruntime.OrtSession.SessionOptions())) {
            embeds = embed(env, embed, ids);
        }
        spliceImage(embeds, ids, image, features, hidden);
        dev.smelt.models.qwen35.MultimodalPositions mp = imagePositions(ids, image, px);
        long[] positions = flatPositions(mp, ids.length);
        double worst = 0;
        long[] onnxTokens = new long[8];
        long[] smeltTokens = new long[8];
        try (DecoderCache cache = djl.newCache(m, 1);
                OrtDecoder ort = new OrtDecoder(out.resolve("onnx/decoder_model_merged.onnx"), c.vocabSize())) {
            ParameterStore ps = new ParameterStore(m, false);
            float[][] onnx = ort.stepEmbeddings(embeds, ids.length, positions);
            float[] smelt = djl.stepWithImages(ps, m.create(ids).reshape(1, ids.length), cache, false, List.of(px)).toFloatArray();
            for (int t = 0; t < ids.length; t++) worst = Math.max(worst, maxDiff(onnx[t], smelt, t * c.vocabSize()));
            float[] onnxLast = onnx[ids.length - 1];
            float[] smeltLast = java.util.Arrays.copyOfRange(smelt, (ids.length - 1) * c.vocabSize(), ids.length * c.vocabSize());
            long next = mp.next();
            try (ai.onnxruntime.OrtSession embed = env.createSession(out.resolve("onnx/embed_tokens.onnx").toString(),
                    new ai.onnxruntime.OrtSession.SessionOptions())) {
                for (int i = 0; i < 8; i++) {
                    onnxTokens[i] = OrtDecoder.argmax(onnxLast);
                    smeltTokens[i] = OrtDecoder.argmax(smeltLast);
                    long token = smeltTokens[i];
                    float[] e = embed(env, embed, new long[] {token});
                    onnxLast = ort.stepEmbeddings(e, 1, new long[] {next, next, next})[0];
                    next++;
                    smeltLast = djl.step(ps, m.create(new long[] {token}).reshape(1, 1), cache, false).toFloatArray();
                    worst = Math.max(worst, maxDiff(onnxLast, smeltLast, 0));
                }
            }
        }
        System.out.printf("onnx image+text: prompt of %d tokens (%d image) and 8 cached steps: max abs logit diff %.3g from"
                + " Smelt's generate --image; tokens %s / Smelt %s%n", ids.length, px.numTokens(), worst,
                java.util.Arrays.toString(onnxTokens), java.util.Arrays.toString(smeltTokens));
        // measured 3.2e-4: the 77-token prompt runs the delta rule token by token in the Scan, Smelt's prefill chunk-wise
        // (the 5-token text prompt of the fp32 test stays at 9.6e-5); the image features themselves are 2e-6 apart
        assertThat(worst).isLessThan(5e-4);
        assertThat(onnxTokens).containsExactly(smeltTokens);
    }

    /**
     * {@code --image-text --dtype X}: the three files carry the dtype's suffix and load; the 48×64 image prompt through
     * vision_encoder, embed_tokens and decoder_model_merged of each, then {@value #STEPS} cached steps teacher-forced
     * along the fp32 export's greedy path, against the fp32 export on the same path: max abs logit difference under
     * {@code tolerance} (q8: the text test's bound for qwen3_5 against Smelt fp32; 0: none, 4-bit) and
     * at least 80% of the greedy choices agreeing.
     */
    @ParameterizedTest(name = "{0}")
    // measured: fp16 0.159, q8 10.9, q4 4.82, q4f16 4.68, each 32/32; fp16 is above the text test's 1.5e-1 (0.124 there
    // on a 5-token prompt) as the 77-token image prompt gives the float16 matmuls more rows to round, hence 2.5e-1
    @CsvSource({"fp16,_fp16,2.5e-1", "q8,_quantized,12", "q4,_q4,0", "q4f16,_q4f16,0"})
    void imageTextLayoutInEveryDtypeFollowsTheFp32Export(String dtype, String suffix, double tolerance) throws Exception {
        Path model = tmp.resolve("qwen3_5-vision");
        TinyModelWriter.write(TinyModelSpec.builder(Architecture.QWEN3_5).seed(11).vision(true).build(), model);
        Path out32 = tmp.resolve("vision-fp32");
        Path out = tmp.resolve("vision-" + dtype);
        CliRunner.Result r = SMELT.run("convert", "onnx", "--model", model.toString(), "--out", out32.toString(), "--image-text");
        assertThat(r.code()).as(r.err()).isZero();
        r = SMELT.run("convert", "onnx", "--model", model.toString(), "--out", out.toString(), "--image-text", "--dtype", dtype);
        assertThat(r.code()).as(r.err()).isZero();
        for (String f : List.of("vision_encoder", "embed_tokens", "decoder_model_merged")) {
            assertThat(out.resolve("onnx/" + f + suffix + ".onnx")).isRegularFile();
            assertThat(out.resolve("onnx/" + f + ".onnx")).doesNotExist();
        }
        // the embedding table is float16 in fp16/q4f16, float32 otherwise; the vision encoder float32 in all
        double embedRatio = (double) java.nio.file.Files.size(out.resolve("onnx/embed_tokens" + suffix + ".onnx"))
                / java.nio.file.Files.size(out32.resolve("onnx/embed_tokens.onnx"));
        assertThat(embedRatio).isCloseTo(dtype.endsWith("16") ? 0.5 : 1.0, org.assertj.core.data.Offset.offset(0.05));
        assertThat(out.resolve("onnx/vision_encoder" + suffix + ".onnx")).hasSameBinaryContentAs(out32.resolve("onnx/vision_encoder.onnx"));
        dev.smelt.core.model.Qwen35Config c = (dev.smelt.core.model.Qwen35Config) ModelDirectory.open(model).config();
        dev.smelt.core.vision.PixelPatches px = new dev.smelt.core.vision.ImagePreprocessor(
                dev.smelt.core.vision.ImageProcessorConfig.read(model)).process(pattern(48, 64));
        int image;
        try (dev.smelt.models.qwen35.Qwen35Model djl = (dev.smelt.models.qwen35.Qwen35Model) ModelLoader.load(
                ModelDirectory.open(model), Device.cpu(), DataType.FLOAT32)) {
            image = djl.imageTokenId();
        }
        long[] path = new long[STEPS];
        float[][] want = imageTextRun(out32, "", c, px, image, path, true);
        float[][] got = imageTextRun(out, suffix, c, px, image, path, false);
        double worst = 0;
        for (int t = 0; t < want.length; t++) worst = Math.max(worst, maxDiff(got[t], want[t], 0));
        int agree = 0;
        for (int i = 0; i < STEPS; i++) if (OrtDecoder.argmax(got[i]) == path[i]) agree++;
        System.out.printf("onnx image+text %s: max abs logit diff %.3g from the fp32 export over the image prompt and %d"
                + " cached steps, %d/%d greedy choices agree%n", dtype, worst, STEPS, agree, STEPS);
        if (tolerance > 0) assertThat(worst).as("max abs logit difference from the fp32 export").isLessThan(tolerance);
        assertThat(agree).as("greedy choices agreeing with the fp32 export's path").isGreaterThanOrEqualTo((int) Math.ceil(0.8 * STEPS));
    }

    /**
     * The image prompt of {@link #imagePromptMatches} through {@code out}'s three files: the prompt's rows, then one row
     * per step along {@code path} (filled with the run's own argmaxes when {@code greedy}).
     */
    private static float[][] imageTextRun(Path out, String suffix, dev.smelt.core.model.Qwen35Config c,
            dev.smelt.core.vision.PixelPatches px, int image, long[] path, boolean greedy) throws Exception {
        ai.onnxruntime.OrtEnvironment env = ai.onnxruntime.OrtEnvironment.getEnvironment();
        long[] ids = imagePromptIds(px, image);
        int hidden = c.hiddenSize();
        List<float[]> rows = new ArrayList<>();
        try (ai.onnxruntime.OrtSession vision = env.createSession(out.resolve("onnx/vision_encoder" + suffix + ".onnx").toString(),
                        new ai.onnxruntime.OrtSession.SessionOptions());
                ai.onnxruntime.OrtSession embed = env.createSession(out.resolve("onnx/embed_tokens" + suffix + ".onnx").toString(),
                        new ai.onnxruntime.OrtSession.SessionOptions());
                OrtDecoder ort = new OrtDecoder(out.resolve("onnx/decoder_model_merged" + suffix + ".onnx"), c.vocabSize())) {
            float[] features;
            try (ai.onnxruntime.OnnxTensor pixels = ai.onnxruntime.OnnxTensor.createTensor(env,
                            java.nio.FloatBuffer.wrap(px.values()), new long[] {px.numPatches(), px.rowLength()});
                    ai.onnxruntime.OnnxTensor grid = ai.onnxruntime.OnnxTensor.createTensor(env,
                            java.nio.LongBuffer.wrap(new long[] {px.gridT(), px.gridH(), px.gridW()}), new long[] {1, 3});
                    ai.onnxruntime.OrtSession.Result res = vision.run(java.util.Map.of("pixel_values", pixels, "image_grid_thw", grid))) {
                features = floats((ai.onnxruntime.OnnxTensor) res.get("image_features").get());
            }
            float[] embeds = embed(env, embed, ids);
            spliceImage(embeds, ids, image, features, hidden);
            dev.smelt.models.qwen35.MultimodalPositions mp = imagePositions(ids, image, px);
            long[] positions = flatPositions(mp, ids.length);
            float[][] prompt = ort.stepEmbeddings(embeds, ids.length, positions);
            float[] last = prompt[ids.length - 1];
            long next = mp.next();
            for (int i = 0; i < STEPS; i++) {
                rows.add(last);
                if (greedy) path[i] = OrtDecoder.argmax(last);
                last = ort.stepEmbeddings(embed(env, embed, new long[] {path[i]}), 1, new long[] {next, next, next})[0];
                next++;
            }
            for (int t = 0; t < ids.length - 1; t++) rows.add(prompt[t]);
        }
        return rows.toArray(float[][]::new);
    }

    /** Two text tokens, stand-ins for <|vision_start|>, the image's tokens, <|vision_end|>, then three text tokens. */
    private static long[] imagePromptIds(dev.smelt.core.vision.PixelPatches px, int image) {
        long[] ids = new long[4 + px.numTokens() + 3];
        int k = 0;
        ids[k++] = 40;
        ids[k++] = 80;
        ids[k++] = image - 2; // stand-ins for <|vision_start|> (the positions only look at image_token_id runs)
        for (int i = 0; i < px.numTokens(); i++) ids[k++] = image;
        ids[k++] = image - 1;
        ids[k++] = 120;
        ids[k++] = 160;
        ids[k++] = 200;
        return ids;
    }

    /** Puts the image features, in order, in the rows of {@code embeds} whose token is the image token. */
    private static void spliceImage(float[] embeds, long[] ids, int image, float[] features, int hidden) {
        int row = 0;
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] == image) System.arraycopy(features, hidden * row++, embeds, hidden * i, hidden);
        }
    }

    private static dev.smelt.models.qwen35.MultimodalPositions imagePositions(long[] ids, int image,
            dev.smelt.core.vision.PixelPatches px) {
        return dev.smelt.models.qwen35.MultimodalPositions.of(ids, image,
                List.of(new int[] {px.gridT() * px.gridH() / px.mergeSize(), px.gridW() / px.mergeSize()}), 0);
    }

    /** The three mRoPE position rows one after another, as the decoder's position_ids [3, 1, T] take them. */
    private static long[] flatPositions(dev.smelt.models.qwen35.MultimodalPositions mp, int n) {
        long[] positions = new long[3 * n];
        for (int a = 0; a < 3; a++) System.arraycopy(mp.positions()[a], 0, positions, a * n, n);
        return positions;
    }

    private static float[] embed(ai.onnxruntime.OrtEnvironment env, ai.onnxruntime.OrtSession embed, long[] ids) throws Exception {
        try (ai.onnxruntime.OnnxTensor in = ai.onnxruntime.OnnxTensor.createTensor(env, java.nio.LongBuffer.wrap(ids),
                        new long[] {1, ids.length});
                ai.onnxruntime.OrtSession.Result res = embed.run(java.util.Map.of("input_ids", in))) {
            return floats((ai.onnxruntime.OnnxTensor) res.get("inputs_embeds").get());
        }
    }

    private static float[] floats(ai.onnxruntime.OnnxTensor t) {
        assertThat(t.getInfo().type).isEqualTo(ai.onnxruntime.OnnxJavaType.FLOAT);
        java.nio.FloatBuffer fb = t.getFloatBuffer();
        float[] v = new float[fb.remaining()];
        fb.get(v);
        return v;
    }

    private static dev.smelt.core.vision.RgbImage pattern(int w, int h) {
        byte[] px = new byte[3 * w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                px[3 * (y * w + x)] = (byte) ((x * 7 + 93) % 256);
                px[3 * (y * w + x) + 1] = (byte) ((y * 5 + x * 3) % 256);
                px[3 * (y * w + x) + 2] = (byte) (((x / 8 + y / 8) % 2) * 200 + 3);
            }
        }
        return new dev.smelt.core.vision.RgbImage(w, h, px);
    }

    private static float[] flatten(float[][] rows) {
        float[] out = new float[rows.length * rows[0].length];
        for (int i = 0; i < rows.length; i++) System.arraycopy(rows[i], 0, out, i * rows[0].length, rows[0].length);
        return out;
    }

    /**
     * 4-bit exports, teacher-forced along Smelt's fp32 greedy path (prompt + 32 steps): the share of steps where
     * onnxruntime's argmax is Smelt's token.
     */
    @ParameterizedTest(name = "{0} {1}")
    // qwen3_5 q4 keeps its linear-attention layers (projections and MLP) at 8 bits, onnxruntime-genai's
    // int8_linear_attn placement: all at 4 bits (Q4_0 rounding) it agreed on 11-31/32 over nine create-tiny qwen3_5
    // models (64-wide seeds 11, 1, 2, 3: 11, 21, 17, 25; 256-wide 8-layer seeds 1, 2, 3, 7, 11: 31, 28, 24, 23, 24),
    // and neither asymmetric blocks with uint4 zero points (ORT's min/max: 18, 21, 17, 25, 32, 26, 25, 22, 25) nor a
    // least-squares scale search (22, 21, 16, 27, 27, 27, 26, 22, 24) changed that: the random hybrid moves its logits
    // by up to 26 even under 8-bit blocks everywhere. With the 8-bit linear-attention layers the nine agree in
    // onnxruntime on 31, 30, 31, 31, 32, 32, 30, 30, 32 (from prompt {5, 17, 42, 99, 7}: 32, 30, 27, 29, 31, 31, 27, 30,
    // 32); this test runs the seed every family here uses.
    @CsvSource({"llama,q4", "qwen2,q4", "qwen3,q4", "qwen3,q4f16", "qwen3_5,q4"})
    void int4AgreesWithSmeltOnMostGreedyChoices(String arch, String dtype) throws Exception {
        Path model = tmp.resolve(arch);
        TinyModelWriter.write(TinyModelSpec.builder(Architecture.fromModelType(arch)).seed(11).build(), model);
        Path out = tmp.resolve(arch + "-onnx");
        CliRunner.Result r = SMELT.run("convert", "onnx", "--model", model.toString(), "--out", out.toString(), "--dtype", dtype);
        assertThat(r.code()).as(r.err()).isZero();
        Path file = out.resolve("onnx/model_" + dtype + ".onnx");
        assertThat(r.err()).contains("_Q4").contains("UINT8");
        if (arch.equals("qwen3_5")) assertThat(r.err()).contains("linear_attn.in_proj_qkv.weight_Q8");
        ModelDirectory dir = ModelDirectory.open(model);
        ModelConfig c = dir.config();
        long[] prompt;
        try (GenerationTokenizer tok = GenerationTokenizer.open(dir)) {
            prompt = tok.encode("The quick brown fox", false);
        }
        try (CausalLM djl = ModelLoader.load(dir, Device.cpu(), DataType.FLOAT32);
                OrtDecoder ort = new OrtDecoder(file, c.vocabSize())) {
            long[] path = new Generator(djl, null).generate(prompt, SamplingParams.greedy(STEPS, List.of()), null)
                    .tokenIds().stream().mapToLong(Integer::longValue).toArray();
            assertThat(path).hasSize(STEPS);
            float[][] logits = ort.step(prompt);
            int agree = 0;
            for (int i = 0; i < STEPS; i++) {
                if (OrtDecoder.argmax(logits[logits.length - 1]) == path[i]) agree++;
                logits = ort.step(path[i]);
            }
            System.out.printf("onnx parity %s %s: %d/%d greedy choices agree with Smelt's fp32 path%n", arch, dtype, agree, STEPS);
            // measured on these seeds: llama q4 26/32, qwen2 q4 32/32, qwen3 q4 32/32, qwen3 q4f16 32/32, qwen3_5 q4 31/32
            assertThat(agree).as("greedy choices agreeing with Smelt's fp32 path").isGreaterThanOrEqualTo((int) Math.ceil(0.8 * STEPS));
        }
    }

    /**
     * The 4-bit export against Smelt's fp32 forward on the same model with every exported projection replaced by its
     * dequantized weights ({@code (q − 8)·scale}, or {@code (q − 128)·scale} in Qwen3.5's 8-bit linear-attention
     * layers, from the same {@link MatMulNBitsPacking}): the logits of the
     * prompt and of 32 steps teacher-forced along that model's greedy path match as tightly as fp32 does, so whatever
     * the 4-bit export disagrees on with the float model is the quantization itself, not the graph (MatMulNBits,
     * the Scan with its carried state, the kept-float in_proj_a/b). Also prints the float model's top-1 margins.
     */
    @ParameterizedTest(name = "{0} q4 on dequantized weights")
    @CsvSource({"llama,11", "qwen3_5,11"})
    void int4IsSmeltOnTheDequantizedWeights(String arch, int seed) throws Exception {
        Path model = tmp.resolve(arch);
        TinyModelWriter.write(TinyModelSpec.builder(Architecture.fromModelType(arch)).seed(seed).build(), model);
        Path out = tmp.resolve(arch + "-onnx");
        CliRunner.Result r = SMELT.run("convert", "onnx", "--model", model.toString(), "--out", out.toString(), "--dtype", "q4");
        assertThat(r.code()).as(r.err()).isZero();
        Path dequantized = tmp.resolve(arch + "-dq4");
        int replaced = writeDequantized(model, dequantized);
        ModelDirectory dir = ModelDirectory.open(dequantized);
        ModelConfig c = dir.config();
        long[] prompt;
        try (GenerationTokenizer tok = GenerationTokenizer.open(dir)) {
            prompt = tok.encode("The quick brown fox", false);
        }
        double worst = 0;
        try (CausalLM djl = ModelLoader.load(dir, Device.cpu(), DataType.FLOAT32);
                NDManager m = djl.manager().newSubManager();
                DecoderCache cache = djl.newCache(m, 1);
                OrtDecoder ort = new OrtDecoder(out.resolve("onnx/model_q4.onnx"), c.vocabSize())) {
            ParameterStore ps = new ParameterStore(m, false);
            float[][] onnx = ort.step(prompt);
            float[] smelt = djl.step(ps, m.create(prompt).reshape(1, prompt.length), cache, false).toFloatArray();
            for (int t = 0; t < prompt.length; t++) worst = Math.max(worst, maxDiff(onnx[t], smelt, t * c.vocabSize()));
            float[] lastRow = java.util.Arrays.copyOfRange(smelt, (prompt.length - 1) * c.vocabSize(), prompt.length * c.vocabSize());
            for (int i = 0; i < STEPS; i++) {
                long token = OrtDecoder.argmax(lastRow);
                float[] onnxRow = ort.step(token)[0];
                lastRow = djl.step(ps, m.create(new long[] {token}).reshape(1, 1), cache, false).toFloatArray();
                worst = Math.max(worst, maxDiff(onnxRow, lastRow, 0));
            }
        }
        System.out.printf("onnx parity %s q4 (seed %d): max abs logit diff %.3g from Smelt fp32 on the %d dequantized"
                + " projections%n", arch, seed, worst, replaced);
        assertThat(replaced).isGreaterThan(4 * c.numLayers() - 1);
        // measured llama 1.0e-5, qwen3_5 9.8e-5 (its fp32 export: 9.6e-5, the delta rule token by token vs chunk-wise)
        assertThat(worst).as("max abs logit difference from Smelt's fp32 logits of the dequantized weights").isLessThan(1e-4);
    }

    /**
     * Copies the tiny model in {@code src} to {@code dst} with every projection the 4-bit export quantizes (2-D,
     * input size a multiple of 32, not the embedding, not Qwen3.5's in_proj_a/b) replaced by its dequantized
     * weights, 8-bit in Qwen3.5's linear-attention layers and 4-bit elsewhere; returns how many were replaced.
     */
    private static int writeDequantized(Path src, Path dst) throws Exception {
        java.nio.file.Files.createDirectories(dst);
        for (String f : List.of("config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json")) {
            if (java.nio.file.Files.exists(src.resolve(f))) java.nio.file.Files.copy(src.resolve(f), dst.resolve(f));
        }
        MatMulNBitsPacking packing = new MatMulNBitsPacking();
        java.util.Set<String> linearLayers = new java.util.HashSet<>();
        if (ModelDirectory.open(src).config() instanceof dev.smelt.core.model.Qwen35Config q) {
            for (int i = 0; i < q.numLayers(); i++) {
                if (q.layerTypes().get(i) == dev.smelt.core.model.LayerType.LINEAR_ATTENTION) linearLayers.add("layers." + i + ".");
            }
        }
        List<TensorSource> tensors = new ArrayList<>();
        int replaced = 0;
        try (SafetensorsModel st = SafetensorsModel.open(src)) {
            for (String name : st.names()) {
                long[] shape = st.info(name).shape();
                boolean projection = shape.length == 2 && shape[1] % Int4Packing.BLOCK == 0 && !name.endsWith("embed_tokens.weight")
                        && !name.endsWith(".in_proj_a.weight") && !name.endsWith(".in_proj_b.weight");
                float[] w = st.floats(name);
                if (projection) {
                    int rows = (int) shape[0];
                    int k = (int) shape[1];
                    float[] scales = new float[rows * k / Int4Packing.BLOCK];
                    if (linearLayers.stream().anyMatch(name::contains)) {
                        byte[] codes = new byte[rows * k];
                        packing.pack8(w, rows, k, codes, scales);
                        for (int i = 0; i < w.length; i++) w[i] = ((codes[i] & 0xff) - 128) * scales[i / Int4Packing.BLOCK];
                    } else {
                        byte[] packed = new byte[rows * k / 2];
                        packing.pack(w, rows, k, packed, scales);
                        for (int i = 0; i < w.length; i++) {
                            int code = (packed[i / 2] >> (i % 2 == 0 ? 0 : 4)) & 0x0f;
                            w[i] = (code - 8) * scales[i / Int4Packing.BLOCK];
                        }
                    }
                    replaced++;
                }
                tensors.add(TensorSource.ofFloats(name, shape, w));
            }
        }
        SafetensorsWriter.write(dst.resolve(SafetensorsWriter.SINGLE_FILE), java.util.Map.of("format", "pt"), tensors);
        return replaced;
    }

    /**
     * Dynamic int8 ({@code q8} → {@code model_quantized.onnx}), teacher-forced along Smelt's fp32 greedy path: logits
     * against Smelt's fp32 ones and the share of agreeing argmaxes.
     */
    @ParameterizedTest(name = "{0} q8")
    // measured: llama 0.56 (31/32 agree), qwen2 0.40 (32/32), qwen3 0.50 (32/32), qwen3_5 7.98 (30/32; the tiny
    // qwen3_5 is ~5x more sensitive than the dense ones: Smelt's own fp16 moves its logits by 0.12, theirs by 0.024)
    @CsvSource({"llama,1.0", "qwen2,1.0", "qwen3,1.0", "qwen3_5,12"})
    void int8StaysCloseToSmeltFp32(String arch, double tolerance) throws Exception {
        Path model = tmp.resolve(arch);
        TinyModelWriter.write(TinyModelSpec.builder(Architecture.fromModelType(arch)).seed(11).build(), model);
        Path out = tmp.resolve(arch + "-onnx");
        CliRunner.Result r = SMELT.run("convert", "onnx", "--model", model.toString(), "--out", out.toString(), "--dtype", "q8");
        assertThat(r.code()).as(r.err()).isZero();
        Path file = out.resolve("onnx/model_quantized.onnx");
        assertThat(r.out()).startsWith("wrote " + file + " (" + arch + " q8, ");
        ModelDirectory dir = ModelDirectory.open(model);
        ModelConfig c = dir.config();
        long[] prompt;
        try (GenerationTokenizer tok = GenerationTokenizer.open(dir)) {
            prompt = tok.encode("The quick brown fox", false);
        }
        double worst = 0;
        int agree = 0;
        try (CausalLM djl = ModelLoader.load(dir, Device.cpu(), DataType.FLOAT32);
                NDManager m = djl.manager().newSubManager();
                DecoderCache cache = djl.newCache(m, 1);
                OrtDecoder ort = new OrtDecoder(file, c.vocabSize())) {
            ParameterStore ps = new ParameterStore(m, false);
            float[][] onnx = ort.step(prompt);
            float[] smelt = djl.step(ps, m.create(prompt).reshape(1, prompt.length), cache, false).toFloatArray();
            for (int t = 0; t < prompt.length; t++) worst = Math.max(worst, maxDiff(onnx[t], smelt, t * c.vocabSize()));
            float[] lastRow = java.util.Arrays.copyOfRange(smelt, (prompt.length - 1) * c.vocabSize(), prompt.length * c.vocabSize());
            float[] onnxLast = onnx[onnx.length - 1];
            for (int i = 0; i < STEPS; i++) {
                long token = OrtDecoder.argmax(lastRow);
                if (OrtDecoder.argmax(onnxLast) == token) agree++;
                onnxLast = ort.step(token)[0];
                lastRow = djl.step(ps, m.create(new long[] {token}).reshape(1, 1), cache, false).toFloatArray();
                worst = Math.max(worst, maxDiff(onnxLast, lastRow, 0));
            }
        }
        System.out.printf("onnx parity %s q8: max abs logit diff %.3g from Smelt fp32, %d/%d greedy choices agree%n", arch,
                worst, agree, STEPS);
        assertThat(worst).as("max abs logit difference from Smelt's fp32 logits").isLessThan(tolerance);
        assertThat(agree).as("greedy choices agreeing with Smelt's fp32 path").isGreaterThanOrEqualTo((int) Math.ceil(0.8 * STEPS));
    }

    @Test
    void anAdapterIsMergedOnTheFly() throws Exception {
        Path model = tmp.resolve("base");
        TinyModelWriter.write(TinyModelSpec.builder(Architecture.QWEN3).seed(5).build(), model);
        Path adapter = tmp.resolve("adapter");
        List<LoraPair> pairs = new ArrayList<>();
        SplittableRandom rnd = new SplittableRandom(3);
        try (CausalLM m = ModelLoader.load(ModelDirectory.open(model), Device.cpu(), DataType.FLOAT32)) {
            for (var e : m.linearModules().entrySet()) {
                int in = (int) e.getValue().inFeatures();
                int out = (int) e.getValue().outFeatures();
                float[] a = new float[4 * in];
                float[] b = new float[out * 4];
                for (int i = 0; i < a.length; i++) a[i] = (float) rnd.nextGaussian() * 0.3f;
                for (int i = 0; i < b.length; i++) b[i] = (float) rnd.nextGaussian() * 0.3f;
                pairs.add(new LoraPair(e.getKey(), 4, in, out, a, b));
            }
        }
        AdapterFiles.write(adapter, AdapterConfig.of(new LoraSettings(4, 8, 0, false, new LoraSettings.Targets.AllLinear()),
                model.toString(), null), pairs);
        Path out = tmp.resolve("adapted-onnx");
        CliRunner.Result r = SMELT.run("convert", "onnx", "--model", model.toString(), "--adapter", adapter.toString(),
                "--out", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).contains("note: merging " + pairs.size() + " adapted weights from " + adapter);
        Path merged = tmp.resolve("merged");
        AdapterMerger.merge(model, adapter, merged, null, Long.MAX_VALUE, (d, t) -> {});
        DenseConfig c = (DenseConfig) ModelDirectory.open(model).config();
        long[] prompt = {1, 40, 80, 120, 160};
        try (CausalLM base = ModelLoader.load(ModelDirectory.open(model), Device.cpu(), DataType.FLOAT32);
                CausalLM adapted = ModelLoader.load(ModelDirectory.open(merged), Device.cpu(), DataType.FLOAT32);
                NDManager m = adapted.manager().newSubManager();
                OrtDecoder ort = new OrtDecoder(out.resolve("onnx/model.onnx"), c.numLayers(), c.numKvHeads(), c.headDim(), c.vocabSize())) {
            ParameterStore ps = new ParameterStore(m, false);
            float[] want = adapted.logits(ps, m.create(prompt).reshape(1, prompt.length), null, null, false).toFloatArray();
            float[] plain = base.logits(ps, m.create(prompt).reshape(1, prompt.length), null, null, false).toFloatArray();
            float[][] got = ort.step(prompt);
            double toMerged = 0;
            double toBase = 0;
            for (int t = 0; t < prompt.length; t++) {
                toMerged = Math.max(toMerged, maxDiff(got[t], want, t * c.vocabSize()));
                toBase = Math.max(toBase, maxDiff(got[t], plain, t * c.vocabSize()));
            }
            assertThat(toMerged).isLessThan(1e-4);
            assertThat(toBase).isGreaterThan(0.1);
        }
    }

    private static double maxDiff(float[] got, float[] want, int offset) {
        double max = 0;
        for (int i = 0; i < got.length; i++) max = Math.max(max, Math.abs(got[i] - want[offset + i]));
        return max;
    }
}
