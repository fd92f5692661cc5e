package dev.smelt.converter.arch;

import static dev.smelt.converter.gguf.vocab.TensorKind.*;

import dev.smelt.converter.gguf.GgufValue;
import dev.smelt.converter.gguf.vocab.GgufKeys.Llm;
import dev.smelt.converter.gguf.vocab.GgufKeys.Rope;
import dev.smelt.converter.gguf.vocab.GgufKeys.Ssm;
import dev.smelt.converter.gguf.vocab.MappedTensor;
import dev.smelt.converter.gguf.vocab.TensorKind;
import dev.smelt.converter.gguf.vocab.TensorNameMap;
import dev.smelt.core.SmeltException;
import dev.smelt.core.model.Architecture;
import dev.smelt.core.model.LayerType;
import dev.smelt.core.model.ModelConfig;
import dev.smelt.core.model.Qwen35Config;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Qwen3.5 (GGUF {@code qwen35}, llama.cpp's {@code Qwen3_5TextModel}): a hybrid of gated-delta-net linear
 * attention and gated full attention every {@code full_attention_interval} blocks. Its transforms: {@code A_log →
 * −exp(A_log)}, {@code +1} on the (1+w) RMSNorms (not the gated {@code linear_attn.norm}), conv kernels squeezed
 * {@code [C,1,K] → [C,K]}, and when there are more value heads than key heads the value-head rows are regrouped
 * from grouped-by-key-head to tiled order, as llama.cpp's {@code _reorder_v_heads}. The multi-token-prediction head
 * and the vision tower are left out.
 */
public final class Qwen35Architecture implements GgufArchitecture {
    private static final Set<TensorKind> KINDS = Collections.unmodifiableSet(EnumSet.of(TOKEN_EMBD, OUTPUT_NORM, OUTPUT,
            ATTN_NORM, ATTN_Q, ATTN_Q_NORM, ATTN_K, ATTN_K_NORM, ATTN_V, ATTN_OUTPUT, ATTN_POST_NORM, ATTN_GATE, ATTN_QKV,
            FFN_GATE, FFN_DOWN, FFN_UP, SSM_A, SSM_CONV1D, SSM_DT, SSM_NORM, SSM_BETA, SSM_ALPHA, SSM_OUT));

    /** Norms stored as (1+w) offsets in HF; llama.cpp multiplies by the weight itself. */
    private static final Set<TensorKind> OFFSET_NORMS = EnumSet.of(ATTN_NORM, ATTN_POST_NORM, ATTN_Q_NORM, ATTN_K_NORM, OUTPUT_NORM);

    private static final Map<String, String> SKIPPED_PREFIXES = Map.of(
            "mtp.", "multi-token-prediction head, not exported (llama.cpp runs the model without it)",
            "model.visual.", "vision tower, not exported (llama.cpp loads it from a separate mmproj file)");

    // after the sets above: the constructor reads them
    public static final Qwen35Architecture QWEN35 = new Qwen35Architecture();

    private final TensorNameMap names = TensorNameMap.of(ggufName(), KINDS);

    private Qwen35Architecture() {}

    @Override
    public String ggufName() {
        return "qwen35";
    }

    @Override
    public Architecture source() {
        return Architecture.QWEN3_5;
    }

    @Override
    public Set<TensorKind> tensorKinds() {
        return KINDS;
    }

    @Override
    public TensorNameMap tensorNames() {
        return names;
    }

    @Override
    public Optional<String> skipReason(String hfName) {
        String text = hfName.startsWith("model.language_model.") ? "model." + hfName.substring("model.language_model.".length()) : hfName;
        for (Map.Entry<String, String> e : SKIPPED_PREFIXES.entrySet()) {
            if (hfName.startsWith(e.getKey()) || text.startsWith(e.getKey())) return Optional.of(e.getValue());
        }
        return GgufArchitecture.super.skipReason(hfName);
    }

    /** Also refuses layouts llama.cpp's qwen35 loader would misread (it derives layer kinds and assumes dk = dv). */
    @Override
    public Map<String, GgufValue> hyperparameters(ModelConfig config) {
        Qwen35Config c = (Qwen35Config) config;
        for (int i = 0; i < c.numLayers(); i++) {
            boolean full = (i + 1) % c.fullAttentionInterval() == 0;
            if ((c.layerTypes().get(i) == LayerType.FULL_ATTENTION) != full) {
                throw new SmeltException("config.json: layer_types[" + i + "] is " + c.layerTypes().get(i).jsonName()
                        + " but llama.cpp's qwen35 loader derives layer kinds from full_attention_interval "
                        + c.fullAttentionInterval() + "; this layout cannot be exported");
            }
        }
        if (c.linearKeyHeadDim() != c.linearValueHeadDim()) {
            throw new SmeltException("config.json: linear_key_head_dim " + c.linearKeyHeadDim() + " differs from linear_value_head_dim "
                    + c.linearValueHeadDim() + "; llama.cpp's qwen35 loader requires them equal");
        }
        String a = ggufName();
        Map<String, GgufValue> m = Hyperparameters.common(a, c, c.intermediateSize(), c.numHeads(), c.numKvHeads(), c.headDim(),
                c.rmsNormEps(), c.ropeTheta(), c.rotaryDim());
        int[] sections = new int[4];
        List<Integer> ms = c.mropeSection();
        for (int i = 0; i < Math.min(4, ms.size()); i++) sections[i] = ms.get(i);
        m.put(Rope.DIMENSION_SECTIONS.of(a), GgufValue.int32s(sections));
        m.put(Ssm.CONV_KERNEL.of(a), GgufValue.u32(c.linearConvKernel()));
        m.put(Ssm.STATE_SIZE.of(a), GgufValue.u32(c.linearKeyHeadDim()));
        m.put(Ssm.GROUP_COUNT.of(a), GgufValue.u32(c.linearNumKeyHeads()));
        m.put(Ssm.TIME_STEP_RANK.of(a), GgufValue.u32(c.linearNumValueHeads()));
        m.put(Ssm.INNER_SIZE.of(a), GgufValue.u32((long) c.linearValueHeadDim() * c.linearNumValueHeads()));
        m.put(Llm.FULL_ATTENTION_INTERVAL.of(a), GgufValue.u32(c.fullAttentionInterval()));
        return m;
    }

    /** Conv kernels lose their singleton channel dim: {@code [C,1,K] → [C,K]}. */
    @Override
    public long[] shape(MappedTensor tensor, long[] hfShape) {
        if (tensor.kind() == SSM_CONV1D) return Arrays.stream(hfShape).filter(d -> d != 1).toArray();
        return hfShape;
    }

    @Override
    public RowTransform transform(ModelConfig config, MappedTensor tensor, long[] shape) {
        Qwen35Config c = (Qwen35Config) config;
        TensorKind kind = tensor.kind();
        RowTransform t = RowTransform.IDENTITY;
        if (kind == SSM_A) t = t.withOp(RowTransform.ElementOp.NEG_EXP);
        else if (OFFSET_NORMS.contains(kind) && !tensor.isBias()) t = t.withOp(RowTransform.ElementOp.PLUS_ONE);
        int hk = c.linearNumKeyHeads(), hv = c.linearNumValueHeads();
        if (hk == hv) return t;
        int rows = shape.length == 0 ? 1 : (int) shape[0];
        int r = hv / hk, dv = c.linearValueHeadDim(), qk = 2 * c.linearKeyDim();
        return switch (kind) {
            // q and k rows first, then the value heads
            case ATTN_QKV, SSM_CONV1D -> t.withRowOrder(RowTransform.vHeadTiling(rows, qk, hk, r, dv));
            case ATTN_GATE -> t.withRowOrder(RowTransform.vHeadTiling(rows, 0, hk, r, dv));
            // one row per value head
            case SSM_ALPHA, SSM_BETA, SSM_A, SSM_DT -> t.withRowOrder(RowTransform.vHeadTiling(rows, 0, hk, r, 1));
            case SSM_OUT -> tensor.isBias() ? t : t.withColOrder(RowTransform.vHeadTiling((int) shape[1], 0, hk, r, dv));
            default -> t;
        };
    }

    @Override
    public String toString() {
        return ggufName();
    }
}
