package dev.smelt.trainer.merge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smelt.core.model.Architecture;
import dev.smelt.core.safetensors.SafetensorsModel;
import dev.smelt.core.tiny.TinyModelSpec;
import dev.smelt.core.tiny.TinyModelWriter;
import dev.smelt.trainer.lora.LoraSettings;
import dev.smelt.trainer.peft.AdapterConfig;
import dev.smelt.trainer.peft.AdapterFiles;
import dev.smelt.trainer.peft.LoraPair;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Merging into a Qwen3.5 checkpoint, whose decoder sits under model.language_model. (PEFT keys follow it). */
class Qwen35MergeTest {
    @TempDir Path tmp;

    @Test
    void foldsLinearAttentionProjectionsUnderTheLanguageModelPrefix() throws Exception {
        TinyModelWriter.Result base = TinyModelWriter.write(TinyModelSpec.builder(Architecture.QWEN3_5).seed(3).build(), tmp.resolve("m"));
        String tensor;
        long[] shape;
        float[] w;
        try (SafetensorsModel weights = SafetensorsModel.open(base.directory())) {
            tensor = weights.names().stream().filter(n -> n.endsWith("linear_attn.in_proj_qkv.weight")).findFirst().orElseThrow();
            shape = weights.info(tensor).shape();
            w = weights.floats(tensor);
        }
        assertThat(tensor).startsWith("model.language_model.layers.");
        String module = tensor.substring(0, tensor.length() - ".weight".length());
        int out = (int) shape[0];
        int in = (int) shape[1];
        SplittableRandom rnd = new SplittableRandom(1);
        float[] a = new float[2 * in];
        float[] b = new float[out * 2];
        for (int i = 0; i < a.length; i++) a[i] = (float) rnd.nextGaussian();
        for (int i = 0; i < b.length; i++) b[i] = (float) rnd.nextGaussian();
        // PEFT on Qwen3_5ForConditionalGeneration: base_model.model.model.language_model.layers.N.linear_attn.in_proj_qkv
        AdapterFiles.write(tmp.resolve("a"), AdapterConfig.of(new LoraSettings(2, 4, 0, false,
                new LoraSettings.Targets.Names(List.of("in_proj_qkv"))), "tiny", null), List.of(new LoraPair(module, 2, in, out, a, b)));
        // and the same adapter named as the text-only class names it
        AdapterFiles.write(tmp.resolve("a-text"), AdapterConfig.of(new LoraSettings(2, 4, 0, false,
                new LoraSettings.Targets.Names(List.of("in_proj_qkv"))), "tiny", null),
                List.of(new LoraPair(module.replace("model.language_model.", "model."), 2, in, out, a, b)));
        for (String adapter : new String[] {"a", "a-text"}) {
            Path merged = tmp.resolve("merged-" + adapter);
            AdapterMerger.Result r = AdapterMerger.merge(base.directory(), tmp.resolve(adapter), merged, null, 1L << 30, null);
            assertThat(r.foldedModules()).isEqualTo(1);
            try (SafetensorsModel m = SafetensorsModel.open(merged)) {
                float[] got = m.floats(tensor);
                double max = 0;
                for (int o = 0; o < out; o++) {
                    for (int i = 0; i < in; i++) {
                        double expect = w[o * in + i] + 2.0 * (b[o * 2] * a[i] + b[o * 2 + 1] * a[in + i]);
                        max = Math.max(max, Math.abs(expect - got[o * in + i]));
                    }
                }
                assertThat(max).isLessThan(1e-4);
                assertThat(m.names()).containsExactlyInAnyOrderElementsOf(SafetensorsModel.open(base.directory()).names());
            }
        }
    }

    @Test
    void keepsTheVisionTowerByteIdenticalWithItsConfigAndPreprocessor() throws Exception {
        TinyModelWriter.Result base = TinyModelWriter.write(TinyModelSpec.builder(Architecture.QWEN3_5).seed(8).vision(true).build(),
                tmp.resolve("v"));
        String tensor;
        long[] shape;
        try (SafetensorsModel weights = SafetensorsModel.open(base.directory())) {
            tensor = weights.names().stream().filter(n -> n.endsWith("self_attn.q_proj.weight")).findFirst().orElseThrow();
            shape = weights.info(tensor).shape();
        }
        int out = (int) shape[0], in = (int) shape[1];
        AdapterFiles.write(tmp.resolve("av"), AdapterConfig.of(new LoraSettings(1, 2, 0, false,
                new LoraSettings.Targets.Names(List.of("q_proj"))), "tiny", null),
                List.of(new LoraPair(tensor.substring(0, tensor.length() - 7), 1, in, out, new float[in], new float[out])));
        Path merged = tmp.resolve("merged-v");
        AdapterMerger.merge(base.directory(), tmp.resolve("av"), merged, null, 1L << 30, null);
        try (SafetensorsModel b = SafetensorsModel.open(base.directory()); SafetensorsModel m = SafetensorsModel.open(merged)) {
            List<String> visual = b.names().stream().filter(n -> n.startsWith("model.visual.")).toList();
            assertThat(visual).hasSize(33);
            for (String n : visual) {
                assertThat(m.info(n).dtype()).isEqualTo(b.info(n).dtype());
                assertThat(m.bytes(n)).as(n).isEqualTo(b.bytes(n));
            }
        }
        assertThat(java.nio.file.Files.readString(merged.resolve("preprocessor_config.json")))
                .isEqualTo(java.nio.file.Files.readString(base.directory().resolve("preprocessor_config.json")));
        var cfg = new com.fasterxml.jackson.databind.ObjectMapper().readTree(merged.resolve("config.json").toFile());
        assertThat(cfg.get("architectures").get(0).asText()).isEqualTo("Qwen3_5ForConditionalGeneration");
        assertThat(cfg.has("vision_config")).isTrue();
        assertThat(cfg.has("image_token_id")).isTrue();
    }
}
