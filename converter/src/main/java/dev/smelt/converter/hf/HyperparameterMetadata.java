package dev.smelt.converter.hf;

import dev.smelt.converter.gguf.GgufValue;
import dev.smelt.core.SmeltException;
import dev.smelt.core.model.DenseConfig;
import dev.smelt.core.model.LayerType;
import dev.smelt.core.model.ModelConfig;
import dev.smelt.core.model.Qwen35Config;
import dev.smelt.core.model.RopeScaling;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The {@code {arch}.*} hyperparameter keys llama.cpp's loaders read, from a typed config.json. */
public final class HyperparameterMetadata {
    private HyperparameterMetadata() {}

    public static String ggufArchitecture(ModelConfig config) {
        return switch (config.architecture()) {
            case LLAMA -> "llama";
            case QWEN2 -> "qwen2";
            case QWEN3 -> "qwen3";
            case QWEN3_5 -> "qwen35";
        };
    }

    public static Map<String, GgufValue> build(ModelConfig config) {
        if (config instanceof DenseConfig d) return dense(d);
        if (config instanceof Qwen35Config q) return qwen35(q);
        throw new IllegalStateException(config.getClass().getName());
    }

    private static Map<String, GgufValue> dense(DenseConfig c) {
        String a = ggufArchitecture(c);
        Map<String, GgufValue> m = common(a, c, c.intermediateSize(), c.numHeads(), c.numKvHeads(), c.headDim(),
                c.rmsNormEps(), c.ropeTheta(), c.headDim());
        ropeScaling(a, c.ropeScaling(), m);
        return m;
    }

    /** The size, attention and rope keys every supported architecture writes, in llama.cpp's order. */
    private static Map<String, GgufValue> common(String a, ModelConfig c, int ffn, int heads, int kvHeads, int headDim,
            double eps, double ropeTheta, int ropeDims) {
        Map<String, GgufValue> m = new LinkedHashMap<>();
        m.put(a + ".vocab_size", GgufValue.u32(c.vocabSize()));
        m.put(a + ".context_length", GgufValue.u32(c.maxPositionEmbeddings()));
        m.put(a + ".embedding_length", GgufValue.u32(c.hiddenSize()));
        m.put(a + ".block_count", GgufValue.u32(c.numLayers()));
        m.put(a + ".feed_forward_length", GgufValue.u32(ffn));
        m.put(a + ".attention.head_count", GgufValue.u32(heads));
        m.put(a + ".attention.head_count_kv", GgufValue.u32(kvHeads));
        m.put(a + ".attention.key_length", GgufValue.u32(headDim));
        m.put(a + ".attention.value_length", GgufValue.u32(headDim));
        m.put(a + ".attention.layer_norm_rms_epsilon", GgufValue.f32((float) eps));
        m.put(a + ".rope.freq_base", GgufValue.f32((float) ropeTheta));
        m.put(a + ".rope.dimension_count", GgufValue.u32(ropeDims));
        return m;
    }

    /** rope scaling keys as llama.cpp's converter writes them; llama3-type scaling becomes a rope_freqs tensor instead. */
    private static void ropeScaling(String a, RopeScaling rs, Map<String, GgufValue> m) {
        if (rs == null) return;
        switch (rs.type()) {
            case "linear" -> {
                m.put(a + ".rope.scaling.type", GgufValue.of("linear"));
                m.put(a + ".rope.scaling.factor", GgufValue.f32((float) rs.factor()));
            }
            case "yarn" -> {
                m.put(a + ".rope.scaling.type", GgufValue.of("yarn"));
                m.put(a + ".rope.scaling.factor", GgufValue.f32((float) rs.factor()));
                if (rs.originalMaxPositionEmbeddings() == null) {
                    throw new SmeltException("config.json: rope_scaling of type yarn needs original_max_position_embeddings");
                }
                m.put(a + ".rope.scaling.original_context_length", GgufValue.u32(rs.originalMaxPositionEmbeddings()));
                if (rs.attentionFactor() != null) m.put(a + ".rope.scaling.yarn_attn_factor", GgufValue.f32(rs.attentionFactor().floatValue()));
                if (rs.betaFast() != null) m.put(a + ".rope.scaling.yarn_beta_fast", GgufValue.f32(rs.betaFast().floatValue()));
                if (rs.betaSlow() != null) m.put(a + ".rope.scaling.yarn_beta_slow", GgufValue.f32(rs.betaSlow().floatValue()));
            }
            case "llama3" -> { /* written as the rope_freqs.weight tensor, see RopeFrequencyFactors */ }
            default -> throw new SmeltException("config.json: rope_scaling type \"" + rs.type() + "\" cannot be exported to GGUF");
        }
    }

    private static Map<String, GgufValue> qwen35(Qwen35Config c) {
        String a = "qwen35";
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
        Map<String, GgufValue> m = common(a, c, c.intermediateSize(), c.numHeads(), c.numKvHeads(), c.headDim(),
                c.rmsNormEps(), c.ropeTheta(), c.rotaryDim());
        int[] sections = new int[4];
        List<Integer> ms = c.mropeSection();
        for (int i = 0; i < Math.min(4, ms.size()); i++) sections[i] = ms.get(i);
        m.put(a + ".rope.dimension_sections", GgufValue.int32s(sections));
        m.put(a + ".ssm.conv_kernel", GgufValue.u32(c.linearConvKernel()));
        m.put(a + ".ssm.state_size", GgufValue.u32(c.linearKeyHeadDim()));
        m.put(a + ".ssm.group_count", GgufValue.u32(c.linearNumKeyHeads()));
        m.put(a + ".ssm.time_step_rank", GgufValue.u32(c.linearNumValueHeads()));
        m.put(a + ".ssm.inner_size", GgufValue.u32((long) c.linearValueHeadDim() * c.linearNumValueHeads()));
        m.put(a + ".full_attention_interval", GgufValue.u32(c.fullAttentionInterval()));
        return m;
    }

    /**
     * Per-frequency RoPE factors for Llama 3.x {@code rope_type: llama3} scaling, as llama.cpp's converter
     * computes them for the {@code rope_freqs.weight} tensor (one factor per rotated channel pair).
     */
    public static float[] llama3RopeFactors(DenseConfig c) {
        RopeScaling rs = c.ropeScaling();
        int dim = c.headDim();
        double factor = rs.factor();
        double low = rs.lowFreqFactor() != null ? rs.lowFreqFactor() : 1.0;
        double high = rs.highFreqFactor() != null ? rs.highFreqFactor() : 4.0;
        double oldCtx = rs.originalMaxPositionEmbeddings() != null ? rs.originalMaxPositionEmbeddings() : 8192;
        double lowWavelen = oldCtx / low;
        double highWavelen = oldCtx / high;
        float[] out = new float[dim / 2];
        for (int i = 0; i < dim / 2; i++) {
            float freq = (float) (1.0 / Math.pow(c.ropeTheta(), (2.0 * i) / dim));
            double wavelen = 2 * Math.PI / freq;
            if (wavelen < highWavelen) out[i] = 1f;
            else if (wavelen > lowWavelen) out[i] = (float) factor;
            else {
                double smooth = (oldCtx / wavelen - low) / (high - low);
                out[i] = (float) (1 / ((1 - smooth) / factor + smooth));
            }
        }
        return out;
    }
}
