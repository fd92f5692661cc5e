package dev.smelt.quantizer.mix;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smelt.converter.gguf.GgmlType;
import dev.smelt.quantizer.mix.TensorTypePlanner.Planned;
import dev.smelt.quantizer.mix.TensorTypePlanner.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** llama-quant.cpp's rules on hand-made tensor lists (the interop tier checks them against llama-quantize itself). */
class TensorTypePlannerTest {

    private static Tensor t(String name, long... dims) {
        return new Tensor(name, dims, GgmlType.F32);
    }

    private static Map<String, GgmlType> plan(QuantMix mix, ModelFacts facts, boolean imatrix, List<Tensor> tensors) {
        List<Tensor> sorted = new ArrayList<>(tensors);
        sorted.sort((a, b) -> TensorTypePlanner.LLAMA_ORDER.compare(a.name(), b.name()));
        return new TensorTypePlanner(mix, facts, false, imatrix).plan(sorted).stream()
                .collect(Collectors.toMap(p -> p.tensor().name(), Planned::target));
    }

    /** A Qwen3.5-like hybrid: linear-attention layers 0-2 (attn_qkv, attn_gate, ssm_*), full attention in layer 3. */
    private static List<Tensor> qwen35() {
        List<Tensor> ts = new ArrayList<>(List.of(t("token_embd.weight", 256, 1000), t("output_norm.weight", 256)));
        for (int i = 0; i < 4; i++) {
            String b = "blk." + i + ".";
            if (i < 3) {
                ts.addAll(List.of(t(b + "attn_qkv.weight", 256, 768), t(b + "attn_gate.weight", 256, 256),
                        t(b + "ssm_conv1d.weight", 4, 768), t(b + "ssm_a", 4), t(b + "ssm_dt.bias", 4),
                        t(b + "ssm_alpha.weight", 256, 4), t(b + "ssm_beta.weight", 256, 4), t(b + "ssm_norm.weight", 64),
                        t(b + "ssm_out.weight", 256, 256)));
            } else {
                ts.addAll(List.of(t(b + "attn_q.weight", 256, 512), t(b + "attn_k.weight", 256, 128),
                        t(b + "attn_v.weight", 256, 128), t(b + "attn_output.weight", 256, 256),
                        t(b + "attn_q_norm.weight", 64)));
            }
            ts.addAll(List.of(t(b + "attn_norm.weight", 256), t(b + "ffn_gate.weight", 256, 512),
                    t(b + "ffn_up.weight", 256, 512), t(b + "ffn_down.weight", 512, 256)));
        }
        return ts;
    }

    @Test
    void qwen35LinearAttentionTensorsFollowLlamaQuantize() {
        Map<String, GgmlType> p = plan(QuantMix.Q3_K_M, new ModelFacts("qwen35", 4, 8, 2, 0), false, qwen35());
        // tied token_embd is treated as the output: Q6_K
        assertThat(p.get("token_embd.weight")).isEqualTo(GgmlType.Q6_K);
        // attn_qkv (linear attention) counts as attn_v: the first two of them get Q5_K, the rest Q4_K
        assertThat(p.get("blk.0.attn_qkv.weight")).isEqualTo(GgmlType.Q5_K);
        assertThat(p.get("blk.1.attn_qkv.weight")).isEqualTo(GgmlType.Q5_K);
        assertThat(p.get("blk.2.attn_qkv.weight")).isEqualTo(GgmlType.Q4_K);
        assertThat(p.get("blk.3.attn_v.weight")).isEqualTo(GgmlType.Q4_K);
        assertThat(p.get("blk.3.attn_output.weight")).isEqualTo(GgmlType.Q4_K);
        // ffn_down: layer < 4/16 = 0 never; arch is not falcon → Q4_K
        assertThat(p.get("blk.0.ffn_down.weight")).isEqualTo(GgmlType.Q4_K);
        // default type, with the block fallback where the row (4 wide ssm_alpha/beta rows are 256 long) fits
        assertThat(p.get("blk.0.attn_gate.weight")).isEqualTo(GgmlType.Q3_K);
        assertThat(p.get("blk.0.ssm_alpha.weight")).isEqualTo(GgmlType.Q3_K);
        assertThat(p.get("blk.0.ssm_out.weight")).isEqualTo(GgmlType.Q3_K);
        // kept as they are: conv kernels, 1-D tensors, norms
        for (String kept : List.of("blk.0.ssm_conv1d.weight", "blk.0.ssm_a", "blk.0.ssm_dt.bias", "blk.0.ssm_norm.weight",
                "output_norm.weight", "blk.3.attn_q_norm.weight")) {
            assertThat(p.get(kept)).as(kept).isEqualTo(GgmlType.F32);
        }
    }

    @Test
    void rowsThatDoNotFitTheBlockFallBack() {
        List<Tensor> ts = List.of(t("output.weight", 96, 10), t("blk.0.attn_q.weight", 96, 96),
                t("blk.0.ffn_down.weight", 48, 96), t("blk.0.attn_k.weight", 40, 96));
        ModelFacts facts = new ModelFacts("llama", 1, 4, 4, 0);
        Map<String, GgmlType> k = plan(QuantMix.Q4_K_S, facts, false, ts);
        assertThat(k.get("output.weight")).isEqualTo(GgmlType.Q8_0);        // nx % 256 != 0 → Q8_0
        assertThat(k.get("blk.0.attn_q.weight")).isEqualTo(GgmlType.Q5_0);  // Q4_K → Q5_0
        assertThat(k.get("blk.0.ffn_down.weight")).isEqualTo(GgmlType.F16); // 48 % 32 != 0 → F16
        assertThat(k.get("blk.0.attn_k.weight")).isEqualTo(GgmlType.F16);
        assertThat(plan(QuantMix.Q6_K, facts, false, ts).get("blk.0.attn_q.weight")).isEqualTo(GgmlType.Q8_0);
        assertThat(plan(QuantMix.IQ4_XS, facts, false, ts).get("blk.0.attn_q.weight")).isEqualTo(GgmlType.IQ4_NL);
        assertThat(plan(QuantMix.Q2_K, facts, false, ts).get("blk.0.attn_q.weight")).isEqualTo(GgmlType.Q4_0);
    }

    @Test
    void imatrixChangesTheFirstFfnDownLayersOfQ4_0AndIq4() {
        List<Tensor> ts = new ArrayList<>();
        for (int i = 0; i < 16; i++) ts.add(t("blk." + i + ".ffn_down.weight", 256, 256));
        ModelFacts facts = new ModelFacts("llama", 16, 8, 8, 0);
        assertThat(plan(QuantMix.Q4_0, facts, true, ts).get("blk.1.ffn_down.weight")).isEqualTo(GgmlType.Q4_1);
        assertThat(plan(QuantMix.Q4_0, facts, true, ts).get("blk.2.ffn_down.weight")).isEqualTo(GgmlType.Q4_0);
        assertThat(plan(QuantMix.Q4_0, facts, false, ts).get("blk.1.ffn_down.weight")).isEqualTo(GgmlType.Q4_0);
        assertThat(plan(QuantMix.IQ4_NL, facts, false, ts).get("blk.1.ffn_down.weight")).isEqualTo(GgmlType.Q5_K);
        assertThat(plan(QuantMix.IQ4_NL, facts, true, ts).get("blk.1.ffn_down.weight")).isEqualTo(GgmlType.IQ4_NL);
        // layers sort numerically (blk.10 after blk.9), so the counter follows layer order
        assertThat(plan(QuantMix.Q4_K_S, facts, false, ts).get("blk.10.ffn_down.weight")).isEqualTo(GgmlType.Q4_K);
    }

    @Test
    void mixNamesAndFileTypes() {
        assertThat(QuantMix.parse("q4_k").fileType()).isEqualTo(15);
        assertThat(QuantMix.parse("Q5_K_S").fileType()).isEqualTo(16);
        assertThat(QuantMix.parse("iq4_xs").defaultType()).isEqualTo(GgmlType.IQ4_XS);
    }
}
