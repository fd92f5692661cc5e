package dev.smelt.converter.gguf.vocab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MappedTensorTest {
    @Test
    void everyKindRoundTripsThroughItsGgufName() {
        for (TensorKind kind : TensorKind.values()) {
            for (int block : kind.perBlock() ? List.of(0, 7, 123) : List.of(TensorKind.GLOBAL)) {
                for (String suffix : List.of("", ".weight", ".bias")) {
                    MappedTensor t = MappedTensor.of(kind, block, suffix);
                    assertThat(MappedTensor.parse(t.ggufName())).as(t.ggufName()).contains(t);
                    assertThat(t.suffix()).isEqualTo(suffix);
                    assertThat(t.isBias()).isEqualTo(suffix.equals(".bias"));
                }
            }
        }
    }

    @Test
    void knownNamesParse() {
        assertThat(MappedTensor.parse("blk.3.ffn_down.weight")).contains(new MappedTensor(TensorKind.FFN_DOWN, 3, "blk.3.ffn_down.weight"));
        assertThat(MappedTensor.parse("blk.12.attn_q_norm.weight").orElseThrow().kind()).isEqualTo(TensorKind.ATTN_Q_NORM);
        assertThat(MappedTensor.parse("blk.0.ssm_a").orElseThrow().kind()).isEqualTo(TensorKind.SSM_A);
        assertThat(MappedTensor.parse("blk.0.ssm_dt.bias").orElseThrow().kind()).isEqualTo(TensorKind.SSM_DT);
        assertThat(MappedTensor.parse("output.weight")).contains(new MappedTensor(TensorKind.OUTPUT, TensorKind.GLOBAL, "output.weight"));
        assertThat(MappedTensor.parse("rope_freqs.weight").orElseThrow().kind()).isEqualTo(TensorKind.ROPE_FREQS);
        // mmproj (clip) tensors
        assertThat(MappedTensor.parse("v.blk.4.attn_qkv.weight")).contains(new MappedTensor(TensorKind.V_ENC_ATTN_QKV, 4, "v.blk.4.attn_qkv.weight"));
        assertThat(MappedTensor.parse("mm.2.bias").orElseThrow().kind()).isEqualTo(TensorKind.V_MMPROJ_2);
        assertThat(MappedTensor.parse("v.position_embd.weight").orElseThrow().kind()).isEqualTo(TensorKind.V_POSITION_EMBD);
    }

    @ParameterizedTest
    @ValueSource(strings = {"blk.x.attn_q.weight", "blk.03.attn_q.weight", "blk.-1.attn_q.weight", "blk.1.attn_q.weight.lora_a",
            "v.blk.0.attn_q.weight", "blk.1.token_embd.weight", "attn_q.weight", "blk.1.attn_qq.weight", "blk.1", "blk.",
            "mm.1.weight", "v.blk.x.ln1.weight", "token_embd.scale", ""})
    void namesOfNoKindDoNotParse(String name) {
        assertThat(MappedTensor.parse(name)).isEmpty();
    }

    @Test
    void aNameMustBelongToItsKindAndBlock() {
        assertThatThrownBy(() -> new MappedTensor(TensorKind.ATTN_Q, 3, "blk.3.attn_q_norm.weight")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new MappedTensor(TensorKind.ATTN_Q, 3, "blk.4.attn_q.weight")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MappedTensor.of(TensorKind.ATTN_Q, TensorKind.GLOBAL, ".weight")).hasMessageContaining("needs a block index");
        assertThatThrownBy(() -> MappedTensor.of(TensorKind.OUTPUT, 0, ".weight")).hasMessageContaining("is global");
    }

    @Test
    void normsAndConvKernelsAreKeptF32() {
        for (TensorKind kind : TensorKind.values()) {
            if (kind.template().endsWith("_norm")) assertThat(kind.keepsF32()).as(kind.name()).isTrue();
        }
        assertThat(TensorKind.SSM_CONV1D.keepsF32()).isTrue();
        assertThat(TensorKind.ATTN_V.keepsF32()).isFalse();
        assertThat(TensorKind.TOKEN_EMBD.keepsF32()).isFalse();
        assertThat(TensorKind.FFN_DOWN.perBlock()).isTrue();
        assertThat(TensorKind.OUTPUT.perBlock()).isFalse();
    }
}
