package dev.smelt.converter.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.TensorInfo;
import dev.smelt.converter.hf.ReferenceForward;
import dev.smelt.converter.hf.TinyHfModels;
import dev.smelt.core.SmeltException;
import dev.smelt.core.model.DenseConfig;
import dev.smelt.core.model.ModelDirectory;
import dev.smelt.core.safetensors.DType;
import dev.smelt.core.safetensors.SafetensorsModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class OnnxExportTest {
    @TempDir Path tmp;

    private static final int[] PROMPT = {260, 72, 101, 108, 108, 111, 44, 32};

    @ParameterizedTest
    @CsvSource({"llama,F32", "qwen2,F32", "qwen3,F32", "qwen3,BF16", "llama,F16"})
    void onnxruntimeComputesTheReferenceLogitsWithAndWithoutTheCache(String arch, DType dtype) throws Exception {
        Path src = TinyHfModels.write(tmp.resolve("src"), arch, dtype, 7);
        Path out = tmp.resolve("out");
        OnnxExport.Result r = OnnxExport.export(src, out, OnnxExport.Options.of(OnnxDtype.FP32), null);
        assertThat(r.model()).isEqualTo(out.resolve("onnx/model.onnx"));
        assertThat(r.externalData()).isFalse();
        for (String f : List.of("config.json", "tokenizer.json", "tokenizer_config.json")) assertThat(out.resolve(f)).exists();
        DenseConfig c = (DenseConfig) ModelDirectory.open(src).config();
        try (SafetensorsModel w = ModelDirectory.open(src).weights();
                OrtRun ort = new OrtRun(r.model(), c.numLayers(), c.numKvHeads(), c.headDim());
                OrtRun stepwise = new OrtRun(r.model(), c.numLayers(), c.numKvHeads(), c.headDim())) {
            ReferenceForward ref = new ReferenceForward(c, w);
            long[] ids = Arrays.stream(PROMPT).asLongStream().toArray();
            float[][] all = ort.step(ids, c.vocabSize());
            assertClose(all[PROMPT.length - 1], ref.logits(PROMPT), 1e-4);
            // prefill 3 tokens, then one at a time through the cache: the same rows as the one-shot prompt
            float[][] first = stepwise.step(Arrays.copyOf(ids, 3), c.vocabSize());
            for (int i = 0; i < 3; i++) assertClose(first[i], all[i], 1e-4);
            for (int i = 3; i < ids.length; i++) assertClose(stepwise.step(new long[] {ids[i]}, c.vocabSize())[0], all[i], 1e-4);
            assertThat(stepwise.length()).isEqualTo(PROMPT.length);
        }
    }

    @Test
    void inputsAndOutputsAreNamedAsOptimumAndTransformersJsExpect() throws Exception {
        Path src = TinyHfModels.write(tmp.resolve("src"), "qwen3", DType.F32, 1);
        OnnxExport.Result r = OnnxExport.export(src, tmp.resolve("out"), OnnxExport.Options.of(OnnxDtype.FP32), null);
        DenseConfig c = (DenseConfig) ModelDirectory.open(src).config();
        try (OrtRun ort = new OrtRun(r.model(), c.numLayers(), c.numKvHeads(), c.headDim())) {
            Map<String, NodeInfo> in = ort.session.getInputInfo();
            List<String> expectedIn = new ArrayList<>(List.of("input_ids", "attention_mask", "position_ids"));
            List<String> expectedOut = new ArrayList<>(List.of("logits"));
            for (int l = 0; l < c.numLayers(); l++) {
                expectedIn.addAll(List.of("past_key_values." + l + ".key", "past_key_values." + l + ".value"));
                expectedOut.addAll(List.of("present." + l + ".key", "present." + l + ".value"));
            }
            assertThat(in.keySet()).containsExactlyElementsOf(expectedIn);
            assertThat(ort.session.getOutputInfo().keySet()).containsExactlyElementsOf(expectedOut);
            TensorInfo ids = (TensorInfo) in.get("input_ids").getInfo();
            assertThat(ids.getDimensionNames()).containsExactly("batch_size", "sequence_length");
            TensorInfo past = (TensorInfo) in.get("past_key_values.0.key").getInfo();
            assertThat(past.getDimensionNames()).containsExactly("batch_size", "", "past_sequence_length", "");
            assertThat(past.getShape()).containsExactly(-1, c.numKvHeads(), -1, c.headDim());
            assertThat(past.type).isEqualTo(ai.onnxruntime.OnnxJavaType.FLOAT);
            TensorInfo logits = (TensorInfo) ort.session.getOutputInfo().get("logits").getInfo();
            assertThat(logits.getShape()).containsExactly(-1, -1, c.vocabSize());
        }
        var genai = new com.fasterxml.jackson.databind.ObjectMapper().readTree(tmp.resolve("out/genai_config.json").toFile());
        assertThat(genai.at("/model/type").asText()).isEqualTo("qwen3");
        assertThat(genai.at("/model/decoder/filename").asText()).isEqualTo("onnx/model.onnx");
        assertThat(genai.at("/model/decoder/head_size").asInt()).isEqualTo(c.headDim());
        assertThat(genai.at("/model/decoder/num_key_value_heads").asInt()).isEqualTo(c.numKvHeads());
        assertThat(genai.at("/model/decoder/num_hidden_layers").asInt()).isEqualTo(c.numLayers());
        assertThat(genai.at("/model/decoder/inputs/past_key_names").asText()).isEqualTo("past_key_values.%d.key");
        assertThat(genai.at("/model/decoder/outputs/present_value_names").asText()).isEqualTo("present.%d.value");
        assertThat(genai.at("/model/eos_token_id").asInt()).isEqualTo(262);
        assertThat(genai.at("/model/vocab_size").asInt()).isEqualTo(c.vocabSize());
        assertThat(r.opTypes()).doesNotContain("SimplifiedLayerNormalization", "GroupQueryAttention", "RotaryEmbedding");
    }

    /**
     * Qwen3.5: transformers.js's cache names per layer kind, every state dim but the batch numeric, [3, B, S]
     * positions, only standard ops (the delta rule a Scan), and config.json lifted to the text model.
     */
    @Test
    void qwen35InputsAndOutputsAreTransformersJsNames() throws Exception {
        Path src = TinyHfModels.write(tmp.resolve("q35"), "qwen3_5", DType.F32, 1);
        OnnxExport.Result r = OnnxExport.export(src, tmp.resolve("out"), OnnxExport.Options.of(OnnxDtype.FP32), null);
        dev.smelt.core.model.Qwen35Config c = (dev.smelt.core.model.Qwen35Config) ModelDirectory.open(src).config();
        List<String> expectedIn = new ArrayList<>(List.of("input_ids", "attention_mask", "position_ids"));
        List<String> expectedOut = new ArrayList<>(List.of("logits"));
        for (int l = 0; l < c.numLayers(); l++) {
            if (c.layerTypes().get(l) == dev.smelt.core.model.LayerType.LINEAR_ATTENTION) {
                expectedIn.addAll(List.of("past_conv." + l, "past_recurrent." + l));
                expectedOut.addAll(List.of("present_conv." + l, "present_recurrent." + l));
            } else {
                expectedIn.addAll(List.of("past_key_values." + l + ".key", "past_key_values." + l + ".value"));
                expectedOut.addAll(List.of("present." + l + ".key", "present." + l + ".value"));
            }
        }
        assertThat(expectedIn).anyMatch(n -> n.startsWith("past_conv")).anyMatch(n -> n.startsWith("past_key_values"));
        try (ai.onnxruntime.OrtSession session = ai.onnxruntime.OrtEnvironment.getEnvironment().createSession(r.model().toString(),
                new ai.onnxruntime.OrtSession.SessionOptions())) {
            Map<String, NodeInfo> in = session.getInputInfo();
            assertThat(in.keySet()).containsExactlyElementsOf(expectedIn);
            assertThat(session.getOutputInfo().keySet()).containsExactlyElementsOf(expectedOut);
            TensorInfo positions = (TensorInfo) in.get("position_ids").getInfo();
            assertThat(positions.getShape()).containsExactly(3, -1, -1);
            int linear = c.layerTypes().indexOf(dev.smelt.core.model.LayerType.LINEAR_ATTENTION);
            TensorInfo conv = (TensorInfo) in.get("past_conv." + linear).getInfo();
            assertThat(conv.getDimensionNames()[0]).isEqualTo("batch_size");
            assertThat(conv.getShape()).containsExactly(-1, c.linearConvDim(), c.linearConvKernel() - 1);
            TensorInfo state = (TensorInfo) in.get("past_recurrent." + linear).getInfo();
            assertThat(state.getShape()).containsExactly(-1, c.linearNumValueHeads(), c.linearKeyHeadDim(), c.linearValueHeadDim());
        }
        assertThat(r.opTypes()).contains("Scan", "Conv").doesNotContain("MatMulNBits", "LinearAttention", "CausalConvWithState");
        var config = new com.fasterxml.jackson.databind.ObjectMapper().readTree(tmp.resolve("out/config.json").toFile());
        assertThat(config.path("model_type").asText()).isEqualTo("qwen3_5_text");
        assertThat(config.path("architectures").get(0).asText()).isEqualTo("Qwen3_5ForCausalLM");
        assertThat(config.path("layer_types").size()).isEqualTo(c.numLayers());
        assertThat(config.at("/vision_config/spatial_merge_size").isInt()).isTrue();
    }

    @Test
    void largeModelsPutTheirWeightsInOnnxDataAndComputeTheSame() throws Exception {
        Path src = TinyHfModels.write(tmp.resolve("src"), "qwen2", DType.F32, 3);
        OnnxExport.Result inline = OnnxExport.export(src, tmp.resolve("inline"), OnnxExport.Options.of(OnnxDtype.FP32), null);
        OnnxExport.Result external = OnnxExport.export(src, tmp.resolve("external"), new OnnxExport.Options(OnnxDtype.FP32, null, 0L, null), null);
        assertThat(external.externalData()).isTrue();
        Path data = tmp.resolve("external/onnx/model.onnx_data");
        assertThat(external.files()).contains(data);
        assertThat(Files.size(data)).isGreaterThanOrEqualTo(external.weightBytes());
        assertThat(Files.size(external.model())).isLessThan(external.weightBytes() / 4);
        DenseConfig c = (DenseConfig) ModelDirectory.open(src).config();
        long[] ids = {260, 5, 17, 99};
        try (OrtRun a = new OrtRun(inline.model(), c.numLayers(), c.numKvHeads(), c.headDim());
                OrtRun b = new OrtRun(external.model(), c.numLayers(), c.numKvHeads(), c.headDim())) {
            float[][] la = a.step(ids, c.vocabSize());
            float[][] lb = b.step(ids, c.vocabSize());
            for (int i = 0; i < ids.length; i++) assertThat(lb[i]).containsExactly(la[i]);
        }
    }

    @Test
    void refusesWhatItCannotExportBeforeWritingAnything() throws Exception {
        Path src = TinyHfModels.write(tmp.resolve("no-tokenizer"), "qwen3_5", DType.F32, 1);
        Files.delete(src.resolve("tokenizer.json"));
        Path out = tmp.resolve("out");
        assertThatThrownBy(() -> OnnxExport.export(src, out, OnnxExport.Options.of(OnnxDtype.FP32), null))
                .isInstanceOf(SmeltException.class)
                .hasMessageContaining("tokenizer.json");
        assertThat(out).doesNotExist();
        assertThatThrownBy(() -> OnnxDtype.parse("int4")).hasMessage(
                "ONNX dtype \"int4\" is not supported (expected fp32, fp16, q8, q4, q4f16)");
    }

    @Test
    void qwen35LinearAttentionLayersGetEightBitsInTheFourBitExports() {
        var q35 = dev.smelt.core.tiny.TinyModelWriter.config(
                dev.smelt.core.tiny.TinyModelSpec.builder(dev.smelt.core.model.Architecture.QWEN3_5).build(),
                dev.smelt.core.tiny.TinyTokenizer.train(1024)); // layers 0-2 linear attention, 3 full
        String p = "model.language_model.layers.";
        assertThat(OnnxExport.bitsFor(q35, p + "0.linear_attn.in_proj_qkv.weight")).isEqualTo(8);
        assertThat(OnnxExport.bitsFor(q35, p + "2.linear_attn.out_proj.weight")).isEqualTo(8);
        assertThat(OnnxExport.bitsFor(q35, p + "1.mlp.down_proj.weight")).isEqualTo(8);
        assertThat(OnnxExport.bitsFor(q35, p + "3.self_attn.q_proj.weight")).isEqualTo(4);
        assertThat(OnnxExport.bitsFor(q35, p + "3.mlp.up_proj.weight")).isEqualTo(4);
        assertThat(OnnxExport.bitsFor(q35, "lm_head.weight")).isEqualTo(4);
        var llama = dev.smelt.core.tiny.TinyModelWriter.config(
                dev.smelt.core.tiny.TinyModelSpec.builder(dev.smelt.core.model.Architecture.LLAMA).build(),
                dev.smelt.core.tiny.TinyTokenizer.train(1024));
        assertThat(OnnxExport.bitsFor(llama, "model.layers.0.mlp.down_proj.weight")).isEqualTo(4);
    }

    static void assertClose(float[] got, float[] want, double tolerance) {
        assertThat(got).hasSameSizeAs(want);
        double max = 0;
        for (int i = 0; i < got.length; i++) max = Math.max(max, Math.abs(got[i] - want[i]));
        assertThat(max).as("max abs diff").isLessThan(tolerance);
    }
}
