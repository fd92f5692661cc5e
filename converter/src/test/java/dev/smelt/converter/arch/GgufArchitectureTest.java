package dev.smelt.converter.arch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.smelt.converter.gguf.vocab.MappedTensor;
import dev.smelt.converter.gguf.vocab.TensorKind;
import dev.smelt.converter.gguf.vocab.TensorNameMap;
import dev.smelt.converter.hf.TinyHfModels;
import dev.smelt.core.SmeltException;
import dev.smelt.core.model.Architecture;
import dev.smelt.core.model.ModelConfig;
import dev.smelt.core.model.Qwen35Config;
import dev.smelt.core.model.TensorSpec;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class GgufArchitectureTest {
    static ModelConfig config(String modelType) throws Exception {
        return ModelConfig.parse("config.json", new ObjectMapper().readTree(TinyHfModels.configJson(modelType)));
    }

    /** llama.cpp's MODEL_TENSORS list for each architecture (gguf-py constants.py), less MoE, NextN and unused kinds. */
    static Set<String> llamaCppTensors(String ggufArch) {
        Set<String> s = new LinkedHashSet<>(Set.of("token_embd", "output_norm", "output", "attn_norm", "attn_q", "attn_k",
                "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down"));
        switch (ggufArch) {
            case "llama", "qwen2" -> s.addAll(Set.of("ffn_norm", "rope_freqs"));
            case "qwen3" -> s.addAll(Set.of("ffn_norm", "rope_freqs", "attn_q_norm", "attn_k_norm"));
            case "qwen35" -> s.addAll(Set.of("attn_q_norm", "attn_k_norm", "post_attention_norm", "attn_gate", "attn_qkv",
                    "ssm_a", "ssm_conv1d", "ssm_dt", "ssm_norm", "ssm_beta", "ssm_alpha", "ssm_out"));
            default -> throw new IllegalArgumentException(ggufArch);
        }
        return s;
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama", "qwen2", "qwen3", "qwen35"})
    void kindsAreLlamaCppsTensorList(String ggufArch) {
        GgufArchitecture a = GgufArchitecture.named(ggufArch);
        assertThat(a.tensorKinds().stream().map(k -> k.template().replace("blk.{bid}.", "")).collect(Collectors.toSet()))
                .isEqualTo(llamaCppTensors(ggufArch));
        assertThat(a.tensorNames().kinds()).isEqualTo(a.tensorKinds());
    }

    /** Every kind an architecture declares is reachable from each of its HF spellings, and the name parses back. */
    @ParameterizedTest
    @ValueSource(strings = {"llama", "qwen2", "qwen3", "qwen35"})
    void everyDeclaredKindMapsFromItsSpellings(String ggufArch) {
        GgufArchitecture a = GgufArchitecture.named(ggufArch);
        for (TensorKind kind : a.tensorKinds()) {
            List<String> spellings = TensorNameMap.spellings(kind);
            if (kind == TensorKind.ROPE_FREQS) {
                assertThat(spellings).as("computed, not read").isEmpty();
                continue;
            }
            assertThat(spellings).as(kind.name()).isNotEmpty();
            for (String spelling : spellings) {
                for (int block : kind.perBlock() ? List.of(0, 5) : List.of(TensorKind.GLOBAL)) {
                    String hf = spelling.replace("{bid}", Integer.toString(block));
                    boolean parameter = a.tensorNames().lookup(hf).isPresent();
                    String tensor = parameter ? hf : hf + ".weight";
                    MappedTensor m = a.tensorNames().map(tensor);
                    assertThat(m.kind()).as(tensor).isEqualTo(kind);
                    assertThat(m.block()).as(tensor).isEqualTo(block);
                    assertThat(MappedTensor.parse(m.ggufName())).as(m.ggufName()).contains(m);
                    assertThat(a.skipReason(tensor)).as(tensor).isEmpty();
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama", "qwen2", "qwen3", "qwen3_5", "qwen3_5_text"})
    void everyTensorOfAConfigMapsToOneOfItsKinds(String modelType) throws Exception {
        ModelConfig cfg = config(modelType);
        GgufArchitecture a = GgufArchitecture.of(cfg);
        Set<String> produced = new LinkedHashSet<>();
        for (TensorSpec t : cfg.tensorSpecs()) {
            assertThat(a.skipReason(t.name())).as(t.name()).isEmpty();
            MappedTensor m = a.tensorNames().map(t.name());
            assertThat(a.tensorKinds()).as(t.name()).contains(m.kind());
            assertThat(produced.add(m.ggufName())).as("unique " + m.ggufName()).isTrue();
        }
    }

    @Test
    void lookupByNameAndByConfigAgree() throws Exception {
        assertThat(GgufArchitecture.of(config("qwen3_5"))).isSameAs(GgufArchitecture.named("qwen35")).isSameAs(Qwen35Architecture.QWEN35);
        assertThat(GgufArchitecture.of(config("llama"))).isSameAs(DenseArchitecture.LLAMA);
        assertThat(GgufArchitecture.all()).extracting(GgufArchitecture::ggufName).containsExactly("llama", "qwen2", "qwen3", "qwen35");
        assertThat(GgufArchitecture.all()).extracting(GgufArchitecture::source).as("every config family exports")
                .containsExactlyInAnyOrder(Architecture.values());
        assertThatThrownBy(() -> GgufArchitecture.named("gpt2")).isInstanceOf(SmeltException.class)
                .hasMessageContaining("\"gpt2\"").hasMessageContaining("llama, qwen2, qwen3, qwen35");
    }

    @Test
    void knownNamesMapExactly() {
        TensorNameMap q = Qwen35Architecture.QWEN35.tensorNames();
        assertThat(q.map("model.language_model.layers.0.linear_attn.A_log").ggufName()).isEqualTo("blk.0.ssm_a");
        assertThat(q.map("model.language_model.layers.2.linear_attn.dt_bias").ggufName()).isEqualTo("blk.2.ssm_dt.bias");
        assertThat(q.map("model.language_model.layers.1.linear_attn.conv1d.weight").ggufName()).isEqualTo("blk.1.ssm_conv1d.weight");
        assertThat(q.map("model.layers.3.post_attention_layernorm.weight").ggufName()).isEqualTo("blk.3.post_attention_norm.weight");
        assertThat(q.map("model.language_model.embed_tokens.weight").ggufName()).isEqualTo("token_embd.weight");
        assertThat(q.map("lm_head.weight").ggufName()).isEqualTo("output.weight");
        TensorNameMap q2 = DenseArchitecture.QWEN2.tensorNames();
        assertThat(q2.map("model.layers.11.self_attn.k_proj.bias").ggufName()).isEqualTo("blk.11.attn_k.bias");
        assertThat(q2.map("model.layers.0.post_attention_layernorm.weight").ggufName()).isEqualTo("blk.0.ffn_norm.weight");
    }

    @Test
    void deliberateSkipsAreNotErrors() throws Exception {
        Qwen35Config cfg = (Qwen35Config) config("qwen3_5");
        for (TensorSpec t : cfg.mtpTensorSpecs()) assertThat(Qwen35Architecture.QWEN35.skipReason(t.name())).as(t.name()).isPresent();
        assertThat(Qwen35Architecture.QWEN35.skipReason("model.visual.blocks.0.attn.qkv.weight").orElseThrow()).contains("mmproj");
        assertThat(DenseArchitecture.LLAMA.skipReason("model.layers.0.self_attn.rotary_emb.inv_freq")).isPresent();
        assertThat(DenseArchitecture.LLAMA.skipReason("mtp.layers.0.mlp.up_proj.weight")).as("only qwen35 has an MTP head").isEmpty();
    }

    @Test
    void unknownTensorIsAClearError() {
        TensorNameMap map = DenseArchitecture.QWEN3.tensorNames();
        assertThatThrownBy(() -> map.map("model.layers.0.mlp.experts.0.w1.weight"))
                .isInstanceOf(SmeltException.class)
                .hasMessageContaining("\"model.layers.0.mlp.experts.0.w1.weight\"").hasMessageContaining("qwen3");
        // qwen3 has no Qwen3.5 linear attention
        assertThatThrownBy(() -> map.map("model.layers.0.linear_attn.A_log")).isInstanceOf(SmeltException.class);
    }

    @Test
    void llama3RopeScalingBecomesARopeFreqsTensorWhereTheLoaderReadsIt() throws Exception {
        String scaling = "{\"rope_scaling\": {\"rope_type\": \"llama3\", \"factor\": 8.0, \"original_max_position_embeddings\": 64},";
        ModelConfig llama = ModelConfig.parse("config.json", new ObjectMapper().readTree(TinyHfModels.configJson("llama").replaceFirst("\\{", scaling)));
        var extra = DenseArchitecture.LLAMA.extraTensors(llama);
        assertThat(extra).hasSize(1);
        assertThat(MappedTensor.parse(extra.get(0).name()).orElseThrow().kind()).isEqualTo(TensorKind.ROPE_FREQS);
        assertThat(extra.get(0).dims()).containsExactly(8); // head_dim 16 / 2
        assertThat(DenseArchitecture.LLAMA.hyperparameters(llama)).noneSatisfy((k, v) -> assertThat(k).contains("scaling"));
        assertThat(DenseArchitecture.LLAMA.extraTensors(config("llama"))).isEmpty();
        ModelConfig qwen2 = ModelConfig.parse("config.json", new ObjectMapper().readTree(TinyHfModels.configJson("qwen2").replaceFirst("\\{", scaling)));
        assertThatThrownBy(() -> DenseArchitecture.QWEN2.extraTensors(qwen2)).isInstanceOf(SmeltException.class)
                .hasMessageContaining("llama3 rope scaling is not supported by llama.cpp's qwen2 architecture");
    }

    @Test
    void transformsAreChosenByKind() throws Exception {
        ModelConfig llama = config("llama"); // 4 heads, 2 kv heads, head_dim 16
        RowTransform q = DenseArchitecture.LLAMA.transform(llama, MappedTensor.of(TensorKind.ATTN_Q, 0, ".weight"), new long[] {64, 64});
        assertThat(q.rowOrder()).containsExactly(RowTransform.llamaRopePermutation(64, 4));
        RowTransform kb = DenseArchitecture.LLAMA.transform(llama, MappedTensor.of(TensorKind.ATTN_K, 1, ".bias"), new long[] {32});
        assertThat(kb.rowOrder()).containsExactly(RowTransform.llamaRopePermutation(32, 2));
        assertThat(DenseArchitecture.LLAMA.transform(llama, MappedTensor.of(TensorKind.ATTN_V, 0, ".weight"), new long[] {32, 64}).isIdentity()).isTrue();
        assertThat(DenseArchitecture.QWEN2.transform(config("qwen2"), MappedTensor.of(TensorKind.ATTN_Q, 0, ".weight"), new long[] {64, 64})
                .isIdentity()).isTrue();

        ModelConfig q35 = config("qwen3_5"); // 2 key heads, 4 value heads of 16
        Qwen35Architecture a = Qwen35Architecture.QWEN35;
        assertThat(a.transform(q35, MappedTensor.of(TensorKind.SSM_A, 0, ""), new long[] {4}).op()).isEqualTo(RowTransform.ElementOp.NEG_EXP);
        assertThat(a.transform(q35, MappedTensor.of(TensorKind.SSM_A, 0, ""), new long[] {4}).rowOrder()).containsExactly(0, 2, 1, 3);
        assertThat(a.transform(q35, MappedTensor.of(TensorKind.ATTN_NORM, 0, ".weight"), new long[] {64}).op()).isEqualTo(RowTransform.ElementOp.PLUS_ONE);
        assertThat(a.transform(q35, MappedTensor.of(TensorKind.OUTPUT_NORM, TensorKind.GLOBAL, ".weight"), new long[] {64}).op())
                .isEqualTo(RowTransform.ElementOp.PLUS_ONE);
        assertThat(a.transform(q35, MappedTensor.of(TensorKind.SSM_NORM, 0, ".weight"), new long[] {16}).isIdentity()).isTrue();
        assertThat(a.transform(q35, MappedTensor.of(TensorKind.SSM_OUT, 0, ".weight"), new long[] {64, 64}).colOrder()).isNotNull();
        assertThat(a.transform(q35, MappedTensor.of(TensorKind.FFN_DOWN, 0, ".weight"), new long[] {64, 128}).isIdentity()).isTrue();
        assertThat(a.shape(MappedTensor.of(TensorKind.SSM_CONV1D, 0, ".weight"), new long[] {128, 1, 4})).containsExactly(128, 4);
        assertThat(a.shape(MappedTensor.of(TensorKind.ATTN_Q, 0, ".weight"), new long[] {128, 1})).containsExactly(128, 1);
    }
}
