package dev.smelt.bench.onnx;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import dev.smelt.converter.onnx.Int4Packing;
import dev.smelt.converter.onnx.OnnxDtype;
import dev.smelt.converter.onnx.OnnxExport;
import dev.smelt.core.SmeltException;
import dev.smelt.core.model.Architecture;
import dev.smelt.core.model.ModelDirectory;
import dev.smelt.core.tiny.TinyModelSpec;
import dev.smelt.core.tiny.TinyModelWriter;
import dev.smelt.models.CausalLM;
import dev.smelt.models.ModelLoader;
import dev.smelt.models.generate.SpeedBenchmark;
import dev.smelt.quantizer.onnx.MatMulNBitsPacking;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * Prefill and decode tokens/s of Smelt's ONNX exports (fp32 and q4, plain and --optimize) in onnxruntime beside Smelt's own DJL
 * generation (CPU, float32) on the same model, prompt and thread count, measured in the same run: the engines
 * alternate run by run so that load on the machine hits all alike, and medians are reported.
 */
public final class OnnxBenchmark {
    /** The exports measured, in column order. */
    public static final List<Variant> DTYPES = List.of(new Variant(OnnxDtype.FP32, false), new Variant(OnnxDtype.Q4, false),
            new Variant(OnnxDtype.FP32, true), new Variant(OnnxDtype.Q4, true));

    /** One exported form: a dtype, plain (standard ops) or {@code --optimize} (onnxruntime's contrib ops). */
    public record Variant(OnnxDtype dtype, boolean optimize) {
        public String label() {
            return dtype.spelling() + (optimize ? " opt" : "");
        }
    }

    /** One model's medians: Smelt's, then one {prefill, decode} pair per entry of {@link #DTYPES}. */
    public record Row(String name, long params, double smeltPrefill, double smeltDecode, double[][] onnx) {}

    public record Model(String name, Path dir) {}

    private final int promptTokens;
    private final int genTokens;
    private final int repeat;
    private final int threads;
    private final Consumer<String> progress;

    public OnnxBenchmark(int promptTokens, int genTokens, int repeat, int threads, Consumer<String> progress) {
        if (promptTokens < 2 || genTokens < 1 || repeat < 1) {
            throw new SmeltException("--prompt-tokens must be >= 2, --gen-tokens and --repeat >= 1");
        }
        this.promptTokens = promptTokens;
        this.genTokens = genTokens;
        this.repeat = repeat;
        this.threads = threads;
        this.progress = progress;
    }

    /** The default pair, written into {@code work}: a create-tiny llama and a create-tiny qwen3_5. */
    public static List<Model> defaultModels(Path work) throws IOException {
        Path llama = work.resolve("tiny-llama");
        TinyModelWriter.write(TinyModelSpec.builder(Architecture.LLAMA).seed(1).build(), llama);
        Path q35 = work.resolve("tiny-qwen3_5");
        TinyModelWriter.write(TinyModelSpec.builder(Architecture.QWEN3_5).seed(1).build(), q35);
        return List.of(new Model("tiny llama", llama), new Model("tiny qwen3_5", q35));
    }

    /** Exports {@code model} into {@code work} (fp32 and q4, plain and --optimize) and measures Smelt and the four exports. */
    public Row run(Model model, Path work) throws Exception {
        ModelDirectory md = ModelDirectory.open(model.dir());
        Path out = work.resolve(model.dir().getFileName() + "-onnx");
        Int4Packing packing = new MatMulNBitsPacking();
        List<Path> files = new ArrayList<>();
        for (Variant v : DTYPES) {
            OnnxDtype d = v.dtype();
            progress.accept("exporting " + model.name() + " to ONNX " + v.label());
            Path folder = v.optimize() ? work.resolve(model.dir().getFileName() + "-onnx-optimized") : out;
            files.add(OnnxExport.export(model.dir(), folder, new OnnxExport.Options(d, null, null, d.int4() ? packing : null,
                    v.optimize()), null).model());
        }
        progress.accept("smelt and onnxruntime on " + model.name() + ", alternating");
        long[] prompt = SpeedBenchmark.benchPrompt(promptTokens, md.config().vocabSize());
        double[] ourPrefill = new double[repeat], ourDecode = new double[repeat];
        double[][][] ort = new double[DTYPES.size()][2][repeat];
        List<OrtGeneration> sessions = new ArrayList<>();
        try (CausalLM lm = ModelLoader.load(md, Device.cpu(), DataType.FLOAT32)) {
            for (Path f : files) sessions.add(new OrtGeneration(f, threads));
            SpeedBenchmark.measure(lm, prompt, genTokens, 1, 0); // warm-up
            for (OrtGeneration s : sessions) s.measure(prompt, genTokens);
            for (int r = 0; r < repeat; r++) {
                SpeedBenchmark.Result ours = SpeedBenchmark.measure(lm, prompt, genTokens, 0, 1);
                ourPrefill[r] = ours.prefillTokensPerSecond();
                ourDecode[r] = ours.decodeTokensPerSecond();
                for (int i = 0; i < sessions.size(); i++) {
                    double[] v = sessions.get(i).measure(prompt, genTokens);
                    ort[i][0][r] = v[0];
                    ort[i][1][r] = v[1];
                }
            }
        } finally {
            for (OrtGeneration s : sessions) s.close();
        }
        double[][] onnx = new double[DTYPES.size()][];
        for (int i = 0; i < onnx.length; i++) onnx[i] = new double[] {median(ort[i][0]), median(ort[i][1])};
        return new Row(model.name(), md.config().parameterCount(), median(ourPrefill), median(ourDecode), onnx);
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
