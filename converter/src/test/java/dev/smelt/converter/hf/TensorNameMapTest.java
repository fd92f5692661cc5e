package dev.smelt.converter.hf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.smelt.core.SmeltException;
import dev.smelt.core.model.ModelConfig;
import dev.smelt.core.model.Qwen35Config;
import dev.smelt.core.model.TensorSpec;
import java.util.LinkedHashSet;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class TensorNameMapTest {
    static ModelConfig config(String arch) throws Exception {
        return ModelConfig.parse("config.json", new ObjectMapper().readTree(TinyHfModels.configJson(arch)));
    }

    /** llama.cpp's MODEL_TENSORS list for each architecture (gguf-py constants.py), as name prefixes. */
    static Set<String> allowed(String ggufArch) {
        Set<String> s = new LinkedHashSet<>(Set.of("token_embd", "output_norm", "output", "attn_norm", "attn_q", "attn_k",
                "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down"));
        switch (ggufArch) {
            case "llama", "qwen2" -> s.add("ffn_norm");
            case "qwen3" -> s.addAll(Set.of("ffn_norm", "attn_q_norm", "attn_k_norm"));
            case "qwen35" -> s.addAll(Set.of("attn_q_norm", "attn_k_norm", "post_attention_norm", "attn_gate", "attn_qkv",
                    "ssm_a", "ssm_conv1d", "ssm_dt", "ssm_norm", "ssm_beta", "ssm_alpha", "ssm_out"));
            default -> throw new IllegalArgumentException(ggufArch);
        }
        return s;
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama", "qwen2", "qwen3", "qwen3_5"})
    void everyExpectedTensorMapsToALlamaCppName(String arch) throws Exception {
        ModelConfig cfg = config(arch);
        String gguf = HyperparameterMetadata.ggufArchitecture(cfg);
        TensorNameMap map = TensorNameMap.forArchitecture(gguf);
        Set<String> produced = new LinkedHashSet<>();
        for (TensorSpec t : cfg.tensorSpecs()) {
            assertThat(map.skip(t.name())).as(t.name()).isEmpty();
            TensorNameMap.Mapped m = map.map(t.name());
            String base = m.ggufName().replaceFirst("^blk\\.\\d+\\.", "").replaceFirst("\\.(weight|bias)$", "");
            assertThat(allowed(gguf)).as(t.name() + " → " + m.ggufName()).contains(base);
            assertThat(produced.add(m.ggufName())).as("unique " + m.ggufName()).isTrue();
            if (m.block() >= 0) assertThat(m.ggufName()).startsWith("blk." + m.block() + ".");
        }
    }

    @Test
    void knownNamesMapExactly() {
        TensorNameMap q = TensorNameMap.forArchitecture("qwen35");
        assertThat(q.map("model.language_model.layers.0.linear_attn.A_log").ggufName()).isEqualTo("blk.0.ssm_a");
        assertThat(q.map("model.language_model.layers.2.linear_attn.dt_bias").ggufName()).isEqualTo("blk.2.ssm_dt.bias");
        assertThat(q.map("model.language_model.layers.1.linear_attn.conv1d.weight").ggufName()).isEqualTo("blk.1.ssm_conv1d.weight");
        assertThat(q.map("model.layers.3.post_attention_layernorm.weight").ggufName()).isEqualTo("blk.3.post_attention_norm.weight");
        assertThat(q.map("model.language_model.embed_tokens.weight").ggufName()).isEqualTo("token_embd.weight");
        assertThat(q.map("lm_head.weight").ggufName()).isEqualTo("output.weight");
        TensorNameMap q2 = TensorNameMap.forArchitecture("qwen2");
        assertThat(q2.map("model.layers.11.self_attn.k_proj.bias").ggufName()).isEqualTo("blk.11.attn_k.bias");
        assertThat(q2.map("model.layers.0.post_attention_layernorm.weight").ggufName()).isEqualTo("blk.0.ffn_norm.weight");
    }

    @Test
    void deliberateSkipsAreNotErrors() throws Exception {
        TensorNameMap q = TensorNameMap.forArchitecture("qwen35");
        Qwen35Config cfg = (Qwen35Config) config("qwen3_5");
        for (TensorSpec t : cfg.mtpTensorSpecs()) assertThat(q.skip(t.name())).as(t.name()).isPresent();
        assertThat(q.skip("model.visual.blocks.0.attn.qkv.weight").get().reason()).contains("mmproj");
        assertThat(TensorNameMap.forArchitecture("llama").skip("model.layers.0.self_attn.rotary_emb.inv_freq")).isPresent();
    }

    @Test
    void unknownTensorIsAClearError() {
        TensorNameMap map = TensorNameMap.forArchitecture("qwen3");
        assertThatThrownBy(() -> map.map("model.layers.0.mlp.experts.0.w1.weight"))
                .isInstanceOf(SmeltException.class)
                .hasMessageContaining("\"model.layers.0.mlp.experts.0.w1.weight\"").hasMessageContaining("qwen3");
        assertThatThrownBy(() -> map.map("transformer.wte.weight")).hasMessageContaining("transformer.wte.weight");
        // qwen3 has no Qwen3.5 linear attention
        assertThatThrownBy(() -> map.map("model.layers.0.linear_attn.A_log")).isInstanceOf(SmeltException.class);
        assertThatThrownBy(() -> TensorNameMap.forArchitecture("gpt2")).hasMessageContaining("gpt2");
    }
}
