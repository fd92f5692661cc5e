package dev.smelt.converter.arch;

import dev.smelt.converter.gguf.GgufValue;
import dev.smelt.converter.gguf.vocab.GgufKeys.Attention;
import dev.smelt.converter.gguf.vocab.GgufKeys.Llm;
import dev.smelt.converter.gguf.vocab.GgufKeys.Rope;
import dev.smelt.core.SmeltException;
import dev.smelt.core.model.ModelConfig;
import dev.smelt.core.model.RopeScaling;
import java.util.LinkedHashMap;
import java.util.Map;

/** The {@code {arch}.*} keys every supported architecture writes the same way, in llama.cpp's converter order. */
final class Hyperparameters {
    private Hyperparameters() {}

    /** Sizes, attention and rope keys of a decoder. */
    static Map<String, GgufValue> common(String a, ModelConfig c, int ffn, int heads, int kvHeads, int headDim,
            double eps, double ropeTheta, int ropeDims) {
        Map<String, GgufValue> m = new LinkedHashMap<>();
        m.put(Llm.VOCAB_SIZE.of(a), GgufValue.u32(c.vocabSize()));
        m.put(Llm.CONTEXT_LENGTH.of(a), GgufValue.u32(c.maxPositionEmbeddings()));
        m.put(Llm.EMBEDDING_LENGTH.of(a), GgufValue.u32(c.hiddenSize()));
        m.put(Llm.BLOCK_COUNT.of(a), GgufValue.u32(c.numLayers()));
        m.put(Llm.FEED_FORWARD_LENGTH.of(a), GgufValue.u32(ffn));
        m.put(Attention.HEAD_COUNT.of(a), GgufValue.u32(heads));
        m.put(Attention.HEAD_COUNT_KV.of(a), GgufValue.u32(kvHeads));
        m.put(Attention.KEY_LENGTH.of(a), GgufValue.u32(headDim));
        m.put(Attention.VALUE_LENGTH.of(a), GgufValue.u32(headDim));
        m.put(Attention.LAYERNORM_RMS_EPS.of(a), GgufValue.f32((float) eps));
        m.put(Rope.FREQ_BASE.of(a), GgufValue.f32((float) ropeTheta));
        m.put(Rope.DIMENSION_COUNT.of(a), GgufValue.u32(ropeDims));
        return m;
    }

    /**
     * Rope scaling keys as llama.cpp's converter writes them; {@code llama3}-type scaling writes none (it becomes
     * the {@code rope_freqs} tensor, see {@link DenseArchitecture#llama3RopeFactors}).
     */
    static void ropeScaling(String a, RopeScaling rs, Map<String, GgufValue> m) {
        if (rs == null) return;
        switch (rs.type()) {
            case "linear" -> {
                m.put(Rope.SCALING_TYPE.of(a), GgufValue.of("linear"));
                m.put(Rope.SCALING_FACTOR.of(a), GgufValue.f32((float) rs.factor()));
            }
            case "yarn" -> {
                m.put(Rope.SCALING_TYPE.of(a), GgufValue.of("yarn"));
                m.put(Rope.SCALING_FACTOR.of(a), GgufValue.f32((float) rs.factor()));
                if (rs.originalMaxPositionEmbeddings() == null) {
                    throw new SmeltException("config.json: rope_scaling of type yarn needs original_max_position_embeddings");
                }
                m.put(Rope.SCALING_ORIG_CTX_LEN.of(a), GgufValue.u32(rs.originalMaxPositionEmbeddings()));
                if (rs.attentionFactor() != null) m.put(Rope.SCALING_YARN_ATTN_FACTOR.of(a), GgufValue.f32(rs.attentionFactor().floatValue()));
                if (rs.betaFast() != null) m.put(Rope.SCALING_YARN_BETA_FAST.of(a), GgufValue.f32(rs.betaFast().floatValue()));
                if (rs.betaSlow() != null) m.put(Rope.SCALING_YARN_BETA_SLOW.of(a), GgufValue.f32(rs.betaSlow().floatValue()));
            }
            case "llama3" -> { /* written as the rope_freqs tensor */ }
            default -> throw new SmeltException("config.json: rope_scaling type \"" + rs.type() + "\" cannot be exported to GGUF");
        }
    }
}
