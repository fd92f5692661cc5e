package dev.smelt.trainer.peft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smelt.core.SmeltException;
import dev.smelt.core.safetensors.SafetensorsWriter;
import dev.smelt.core.safetensors.TensorSource;
import dev.smelt.trainer.lora.LoraSettings;
import dev.smelt.trainer.lora.TargetMatcher;
import dev.smelt.trainer.optim.LrSchedule;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Adapters as PEFT writes them, including its older and less common spellings. */
class PeftAdapterTest {
    @TempDir Path tmp;

    static final String PEFT_CONFIG = """
            {"alpha_pattern": {"down_proj": 32}, "auto_mapping": null, "base_model_name_or_path": "Qwen/Qwen3-0.6B",
             "bias": "none", "fan_in_fan_out": false, "inference_mode": true, "init_lora_weights": true,
             "layers_pattern": null, "layers_to_transform": null, "lora_alpha": 16, "lora_dropout": 0.05,
             "modules_to_save": null, "peft_type": "LORA", "r": 8, "rank_pattern": {"down_proj": 2},
             "revision": "abc123", "target_modules": ["q_proj", "down_proj"], "task_type": "CAUSAL_LM",
             "use_dora": false, "use_rslora": false}
            """;

    @Test
    void readsPeftKeysWithAndWithoutAdapterNameAndPerModulePatterns() throws Exception {
        Files.writeString(tmp.resolve("adapter_config.json"), PEFT_CONFIG);
        SafetensorsWriter.write(tmp.resolve("adapter_model.safetensors"), Map.of("format", "pt"), List.of(
                TensorSource.ofFloats("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight", new long[] {8, 4}, new float[32]),
                TensorSource.ofFloats("base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight", new long[] {6, 8}, new float[48]),
                TensorSource.ofFloats("base_model.model.model.layers.0.mlp.down_proj.lora_A.default.weight", new long[] {2, 10}, new float[20]),
                TensorSource.ofFloats("base_model.model.model.layers.0.mlp.down_proj.lora_B.default.weight", new long[] {4, 2}, new float[8])));
        AdapterFiles.Adapter a = AdapterFiles.read(tmp);
        assertThat(a.pairs().keySet()).containsExactly("model.layers.0.self_attn.q_proj", "model.layers.0.mlp.down_proj");
        assertThat(a.scaling("model.layers.0.self_attn.q_proj")).isEqualTo(2.0);
        assertThat(a.scaling("model.layers.0.mlp.down_proj")).isEqualTo(16.0);
        assertThat(a.config().revision()).isEqualTo("abc123");
        assertThat(a.config().targetModules()).isEqualTo(new LoraSettings.Targets.Names(List.of("q_proj", "down_proj")));
    }

    @Test
    void refusesWhatItCannotApply() throws Exception {
        Files.writeString(tmp.resolve("adapter_config.json"), PEFT_CONFIG.replace("\"use_dora\": false", "\"use_dora\": true"));
        assertThatThrownBy(() -> AdapterConfig.read(tmp)).isInstanceOf(SmeltException.class).hasMessageContaining("use_dora");
        Files.writeString(tmp.resolve("adapter_config.json"), PEFT_CONFIG.replace("\"bias\": \"none\"", "\"bias\": \"all\""));
        assertThatThrownBy(() -> AdapterConfig.read(tmp)).isInstanceOf(SmeltException.class).hasMessageContaining("\"bias\"");
        Files.writeString(tmp.resolve("adapter_config.json"), PEFT_CONFIG);
        Files.writeString(tmp.resolve("adapter_model.bin"), "x");
        assertThatThrownBy(() -> AdapterFiles.read(tmp)).isInstanceOf(SmeltException.class).hasMessageContaining("safetensors");
    }

    @Test
    void targetMatchingFollowsPeft() {
        List<String> modules = List.of("model.layers.0.self_attn.q_proj", "model.layers.0.self_attn.k_proj",
                "model.layers.0.linear_attn.in_proj_qkv", "model.layers.0.mlp.down_proj", "lm_head");
        assertThat(TargetMatcher.select(new LoraSettings.Targets.AllLinear(), modules)).hasSize(4).doesNotContain("lm_head");
        assertThat(TargetMatcher.select(LoraSettings.Targets.parse("q_proj,in_proj_qkv"), modules))
                .containsExactly("model.layers.0.self_attn.q_proj", "model.layers.0.linear_attn.in_proj_qkv");
        assertThat(TargetMatcher.select(new LoraSettings.Targets.Regex(".*self_attn\\.(q|k)_proj"), modules)).hasSize(2);
        assertThatThrownBy(() -> TargetMatcher.select(LoraSettings.Targets.parse("q_proj,c_attn"), modules))
                .isInstanceOf(SmeltException.class).hasMessageContaining("\"c_attn\" does not exist");
    }

    @Test
    void scheduleAndScaling() {
        var s = new LrSchedule(1.0, 10, 110, LrSchedule.Kind.COSINE);
        assertThat(s.lr(0)).isEqualTo(0.0);
        assertThat(s.lr(5)).isEqualTo(0.5);
        assertThat(s.lr(10)).isEqualTo(1.0);
        assertThat(s.lr(60)).isCloseTo(0.5, Offset.offset(1e-12));
        assertThat(s.lr(110)).isCloseTo(0.0, Offset.offset(1e-12));
        var lin = new LrSchedule(1.0, 0, 100, LrSchedule.Kind.LINEAR);
        assertThat(lin.lr(25)).isEqualTo(0.75);
        assertThat(LoraSettings.scaling(16, 4, false)).isEqualTo(4.0);
        assertThat(LoraSettings.scaling(16, 4, true)).isEqualTo(8.0);
    }
}
