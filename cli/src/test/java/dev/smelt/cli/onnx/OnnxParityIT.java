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
    // prefill chunk-wise). fp16, against Smelt's fp16 forward / against Smelt's fp32 one: llama 0.032 / 0.026,
    // qwen2 0.031 / 0.034, qwen3 0.025 / 0.022 (Smelt's own fp16 is 0.027-0.036 from its fp32; logits reach |16|,
    // where one fp16 step is 0.0156); qwen3_5 0.52 / 0.088: Smelt's fp16 qwen3_5 is itself 0.61 from its fp32 (it runs
    // the causal conv and keeps the conv state in float16, the export in float32), so the fp32 bound is the tight one.
    @CsvSource({"llama,fp32,1e-4,1e-4", "qwen2,fp32,1e-4,1e-4", "qwen3,fp32,1e-4,1e-4", "qwen3_5,fp32,1e-4,1e-4",
        "llama,fp16,5e-2,5e-2", "qwen2,fp16,5e-2,5e-2", "qwen3,fp16,5e-2,5e-2", "qwen3_5,fp16,8e-1,1.5e-1"})
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
        try (CausalLM djl = ModelLoader.load(dir, Device.cpu(), precision);
                CausalLM ref = half ? ModelLoader.load(dir, Device.cpu(), DataType.FLOAT32) : null;
                NDManager m = djl.manager().newSubManager();
                DecoderCache cache = djl.newCache(m, 1);
                NDManager m32 = half ? ref.manager().newSubManager() : null;
                DecoderCache cache32 = half ? ref.newCache(m32, 1) : null;
                OrtDecoder ort = new OrtDecoder(file, c.vocabSize())) {
            ParameterStore ps = new ParameterStore(m, false);
            ParameterStore ps32 = half ? new ParameterStore(m32, false) : null;
            float[][] onnx = ort.step(prompt);
            float[] smelt = djl.step(ps, m.create(prompt).reshape(1, prompt.length), cache, false)
                    .toType(DataType.FLOAT32, false).toFloatArray();
            for (int t = 0; t < prompt.length; t++) worst = Math.max(worst, maxDiff(onnx[t], smelt, t * c.vocabSize()));
            if (half) {
                float[] fp32 = ref.step(ps32, m32.create(prompt).reshape(1, prompt.length), cache32, false).toFloatArray();
                for (int t = 0; t < prompt.length; t++) {
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
                    smeltToFp32 = Math.max(smeltToFp32, maxDiff(lastRow, fp32, 0));
                }
            }
            System.out.printf("onnx parity %s %s: max abs logit diff %.3g over the prompt and %d cached steps%n", arch, dtype,
                    worst, STEPS);
            if (half) {
                System.out.printf("onnx parity %s %s: against Smelt fp32 %.3g (Smelt's own fp16: %.3g)%n", arch, dtype,
                        toFp32, smeltToFp32);
                assertThat(toFp32).as("max abs logit difference from Smelt's fp32 logits").isLessThan(fp32Tolerance);
            }
            assertThat(worst).as("max abs logit difference over the prompt and " + STEPS + " cached steps").isLessThan(tolerance);

            long[] generated = new Generator(djl, null).generate(prompt, SamplingParams.greedy(STEPS, List.of()), null)
                    .tokenIds().stream().mapToLong(Integer::longValue).toArray();
            assertThat(generated).containsExactly(path);
            // where Smelt's own fp16 is the looser of the two (qwen3_5), the export's greedy run follows Smelt's fp32 one
            long[] want = half && tolerance > fp32Tolerance
                    ? new Generator(ref, null).generate(prompt, SamplingParams.greedy(STEPS, List.of()), null)
                            .tokenIds().stream().mapToLong(Integer::longValue).toArray()
                    : generated;
            try (OrtDecoder greedy = new OrtDecoder(file, c.vocabSize())) {
                assertThat(greedy.greedy(prompt, STEPS)).containsExactly(want);
            }
        }
    }

    /**
     * 4-bit exports, teacher-forced along Smelt's fp32 greedy path (prompt + 32 steps): the share of steps where
     * onnxruntime's argmax is Smelt's token.
     */
    @ParameterizedTest(name = "{0} {1}")
    // qwen3_5 q4 is not held to this: measured 11/32 on this tiny random model, which is ~20x more sensitive to any
    // perturbation than the dense ones (Smelt's own fp16 moves its logits by 0.61, the dense ones' by 0.03)
    @CsvSource({"llama,q4", "qwen2,q4", "qwen3,q4", "qwen3,q4f16"})
    void int4AgreesWithSmeltOnMostGreedyChoices(String arch, String dtype) throws Exception {
        Path model = tmp.resolve(arch);
        TinyModelWriter.write(TinyModelSpec.builder(Architecture.fromModelType(arch)).seed(11).build(), model);
        Path out = tmp.resolve(arch + "-onnx");
        CliRunner.Result r = SMELT.run("convert", "onnx", "--model", model.toString(), "--out", out.toString(), "--dtype", dtype);
        assertThat(r.code()).as(r.err()).isZero();
        Path file = out.resolve("onnx/model_" + dtype + ".onnx");
        assertThat(r.err()).contains("_Q4").contains("UINT8");
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
            // measured on these seeds: llama q4 26/32, qwen2 q4 32/32, qwen3 q4 32/32, qwen3 q4f16 32/32
            assertThat(agree).as("greedy choices agreeing with Smelt's fp32 path").isGreaterThanOrEqualTo((int) Math.ceil(0.8 * STEPS));
        }
    }

    /**
     * Dynamic int8 ({@code q8} → {@code model_quantized.onnx}), teacher-forced along Smelt's fp32 greedy path: logits
     * against Smelt's fp32 ones and the share of agreeing argmaxes.
     */
    @ParameterizedTest(name = "{0} q8")
    // measured: llama 0.56 (31/32 agree), qwen2 0.40 (32/32), qwen3 0.50 (32/32), qwen3_5 7.98 (30/32; the tiny
    // qwen3_5 is ~20x more sensitive than the dense ones: Smelt's own fp16 moves its logits by 0.61, theirs by 0.03)
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
