package dev.smelt.cli.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smelt.cli.Smelt;
import dev.smelt.converter.gguf.GgufWriter;
import dev.smelt.converter.hf.GgufExport;
import dev.smelt.converter.hf.OutputType;
import dev.smelt.core.model.Architecture;
import dev.smelt.core.model.ModelDirectory;
import dev.smelt.core.tiny.TinyModelSpec;
import dev.smelt.core.tiny.TinyModelWriter;
import dev.smelt.quantizer.gguf.GgufQuantizer;
import dev.smelt.quantizer.gguf.QuantizeOptions;
import dev.smelt.quantizer.mix.QuantMix;
import dev.smelt.testkit.cli.CliRunner;
import dev.smelt.testkit.interop.InteropTool;
import dev.smelt.testkit.interop.LlamaCppHarness;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The ONNX q4 export against llama.cpp's Q4_0 (Smelt's quantizer, byte-identical to llama-quantize; the default Q4_0
 * mix, every projection 4-bit) on the same random tiny models, both teacher-forced along llama.cpp F32's 32 greedy
 * tokens from prompt {5, 17, 42, 99, 7} (llama.cpp restarted from F32's prefix after each disagreement; onnxruntime
 * fed the F32 tokens). On llama both hold the same Q4_0 codes and agree with F32 about equally often. On qwen3_5 the
 * export keeps the linear-attention layers at 8 bits (OnnxExport.bitsFor) and agrees more often than the all-4-bit
 * Q4_0: the hybrid's linear-attention layers are what 4 bits break, in either runtime. Measured (onnx q4 / llama.cpp
 * Q4_0 of 32): llama 64-wide seed 11 17/15; qwen3_5 64-wide seeds 1, 2: 30/17, 27/10; 256-wide 8-layer seed 7 23/20
 * (before the 8-bit layers the export agreed like Q4_0: 21/17, 11/10, 20/20).
 */
class OnnxQ4LlamaCppInteropIT {
    private static final CliRunner SMELT = new CliRunner(Smelt::run);
    private static final int STEPS = 32;
    @RegisterExtension static final InteropTool<LlamaCppHarness> LLAMA = InteropTool.llamaCpp();
    @TempDir Path tmp;

    @ParameterizedTest(name = "{0} {1} seed {2}")
    @CsvSource({"llama,small,11", "qwen3_5,small,1", "qwen3_5,small,2", "qwen3_5,wide,7"})
    void onnxQ4AgreesWithLlamaCppF32AtLeastAsOftenAsItsQ4_0(String arch, String size, int seed) throws Exception {
        TinyModelSpec.Builder b = TinyModelSpec.builder(Architecture.fromModelType(arch));
        if (size.equals("wide")) b.hiddenSize(256).intermediateSize(512).numLayers(8).linearKeyHeads(2).linearValueHeads(4).fullAttentionInterval(4);
        Path model = tmp.resolve("model");
        TinyModelWriter.write(b.seed(seed).build(), model);
        Path f32 = tmp.resolve("f32.gguf");
        GgufExport.export(model, f32, GgufExport.Options.of(OutputType.F32), new GgufExport.Listener() {});
        Path q4 = tmp.resolve("q4_0.gguf");
        GgufQuantizer.quantize(f32, q4, new QuantizeOptions(QuantMix.Q4_0, 2, false, false, null), GgufWriter.Listener.NONE);
        Path onnx = tmp.resolve("onnx");
        CliRunner.Result r = SMELT.run("convert", "onnx", "--model", model.toString(), "--out", onnx.toString(), "--dtype", "q4");
        assertThat(r.code()).as(r.err()).isZero();

        int[] prompt = {5, 17, 42, 99, 7};
        int[] reference = LLAMA.get().generate(f32, prompt, STEPS, 1).tokens();
        assertThat(reference).hasSize(STEPS);
        int llamaCpp = STEPS - disagreementsAlong(q4, prompt, reference);
        int ort = 0;
        try (OrtDecoder d = new OrtDecoder(onnx.resolve("onnx/model_q4.onnx"), ModelDirectory.open(model).config().vocabSize())) {
            float[][] logits = d.step(Arrays.stream(prompt).asLongStream().toArray());
            float[] last = logits[logits.length - 1];
            for (int i = 0; i < STEPS; i++) {
                if (OrtDecoder.argmax(last) == reference[i]) ort++;
                last = d.step((long) reference[i])[0];
            }
        }
        System.out.printf("q4 agreement with llama.cpp F32 %s %s seed %d (%d distinct tokens): onnx q4 %d/%d, llama.cpp Q4_0"
                + " %d/%d%n", arch, size, seed, Arrays.stream(reference).distinct().count(), ort, STEPS, llamaCpp, STEPS);
        assertThat(Arrays.stream(reference).distinct().count()).as("F32's continuation is more than one repeated token")
                .isGreaterThan(4);
        if (arch.equals("llama")) {
            assertThat(Math.abs(ort - llamaCpp)).as("onnx q4 and llama.cpp Q4_0 agreement with F32 (measured within 2)")
                    .isLessThanOrEqualTo(5);
        } else {
            assertThat(ort).as("onnx q4 (8-bit linear attention) agreement with llama.cpp F32, against Q4_0's")
                    .isGreaterThanOrEqualTo(llamaCpp);
        }
    }

    private static int disagreementsAlong(Path gguf, int[] prompt, int[] reference) {
        int pos = 0;
        int disagreements = 0;
        while (pos < reference.length) {
            int[] prefix = Arrays.copyOf(prompt, prompt.length + pos);
            System.arraycopy(reference, 0, prefix, prompt.length, pos);
            int[] got = LLAMA.get().generate(gguf, prefix, reference.length - pos, 1).tokens();
            int k = 0;
            while (k < got.length && got[k] == reference[pos + k]) k++;
            pos += k;
            if (pos < reference.length) {
                disagreements++;
                pos++;
            }
        }
        return disagreements;
    }
}
