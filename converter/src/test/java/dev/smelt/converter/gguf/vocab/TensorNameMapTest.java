package dev.smelt.converter.gguf.vocab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smelt.core.SmeltException;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;

class TensorNameMapTest {
    private static final TensorNameMap DENSE = TensorNameMap.of("test", EnumSet.of(TensorKind.TOKEN_EMBD, TensorKind.OUTPUT,
            TensorKind.ATTN_Q, TensorKind.FFN_NORM, TensorKind.SSM_A, TensorKind.SSM_DT));

    @Test
    void modulePathsCarryTheirSuffixOver() {
        assertThat(DENSE.lookup("model.layers.11.self_attn.q_proj.bias")).contains(MappedTensor.of(TensorKind.ATTN_Q, 11, ".bias"));
        assertThat(DENSE.lookup("model.layers.0.self_attn.q_proj.weight").orElseThrow().ggufName()).isEqualTo("blk.0.attn_q.weight");
        assertThat(DENSE.lookup("model.embed_tokens.weight").orElseThrow().ggufName()).isEqualTo("token_embd.weight");
        assertThat(DENSE.lookup("lm_head.weight").orElseThrow().block()).isEqualTo(TensorKind.GLOBAL);
        assertThat(DENSE.lookup("model.layers.0.self_attn.q_proj")).as("a module path without suffix is no tensor").isEmpty();
    }

    @Test
    void parametersGetTheirOwnSuffix() {
        assertThat(DENSE.lookup("model.layers.2.linear_attn.A_log")).contains(MappedTensor.of(TensorKind.SSM_A, 2, ""));
        assertThat(DENSE.lookup("model.layers.2.linear_attn.dt_bias").orElseThrow().ggufName()).isEqualTo("blk.2.ssm_dt.bias");
        assertThat(DENSE.lookup("model.layers.2.linear_attn.A_log.weight")).isEmpty();
    }

    @Test
    void multimodalTextPrefixReadsAsModel() {
        assertThat(DENSE.lookup("model.language_model.layers.4.post_attention_layernorm.weight").orElseThrow().ggufName())
                .isEqualTo("blk.4.ffn_norm.weight");
        assertThat(DENSE.lookup("model.language_model.embed_tokens.weight").orElseThrow().kind()).isEqualTo(TensorKind.TOKEN_EMBD);
    }

    @Test
    void onlyTheGivenKindsMap() {
        assertThat(DENSE.lookup("model.layers.0.self_attn.k_proj.weight")).isEmpty();
        assertThat(DENSE.kinds()).doesNotContain(TensorKind.ATTN_K);
    }

    @Test
    void unknownTensorIsAClearError() {
        assertThatThrownBy(() -> DENSE.map("model.layers.0.mlp.experts.0.w1.weight"))
                .isInstanceOf(SmeltException.class)
                .hasMessage("cannot map tensor \"model.layers.0.mlp.experts.0.w1.weight\" to a GGUF name for architecture test"
                        + " (it matches no entry of the test table)");
        assertThatThrownBy(() -> DENSE.map("transformer.wte.weight")).hasMessageContaining("\"transformer.wte.weight\"");
    }

    @Test
    void kindsThatShareASpellingCannotBeTogether() {
        assertThat(TensorNameMap.spellings(TensorKind.FFN_NORM)).containsAnyElementsOf(TensorNameMap.spellings(TensorKind.ATTN_POST_NORM));
        assertThatThrownBy(() -> TensorNameMap.of("both", EnumSet.of(TensorKind.FFN_NORM, TensorKind.ATTN_POST_NORM)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("post_attention_layernorm");
    }
}
