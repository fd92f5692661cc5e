package dev.smelt.quantizer.plan;

import dev.smelt.core.model.DenseConfig;
import dev.smelt.core.model.LayerType;
import dev.smelt.core.model.ModelConfig;
import dev.smelt.core.model.Qwen35Config;

/**
 * What llama.cpp holds besides the weights for one sequence of {@code ctx} tokens:
 * <ul>
 * <li>the KV cache, F16 (llama.cpp's default): layers with attention × ctx × KV heads × head dim × 2 (K and V) × 2
 * bytes; for Qwen3.5 only its full-attention layers have one;</li>
 * <li>Qwen3.5's linear-attention layers instead keep a fixed F32 recurrent state whatever the context: the conv
 * state, {@code (conv kernel − 1) × (V dim + 2 × K heads × K head dim)} values, and the delta-rule state,
 * {@code K head dim × V dim} values (llama.cpp's {@code n_embd_r()} and {@code n_embd_s()});</li>
 * <li>an estimate of the rest: llama.cpp reserves its compute graph for a whole 512-token batch of outputs, so the
 * compute buffer is dominated by 512 × vocab F32 logits, plus {@link #FIXED_OVERHEAD_BYTES} for the runtime and
 * scratch buffers.</li>
 * </ul>
 */
public record RuntimeMemory(long kvCacheBytes, long recurrentStateBytes, long overheadBytes) {
    /** llama.cpp's default micro-batch, the token count its compute graph is reserved for. */
    public static final int UBATCH = 512;
    public static final long FIXED_OVERHEAD_BYTES = 64L << 20;

    public static RuntimeMemory of(ModelConfig config, int ctx) {
        if (ctx < 1) throw new IllegalArgumentException("ctx must be >= 1, got " + ctx);
        long overhead = (long) UBATCH * config.vocabSize() * Float.BYTES + FIXED_OVERHEAD_BYTES;
        if (config instanceof Qwen35Config c) {
            int full = 0;
            for (LayerType t : c.layerTypes()) if (t == LayerType.FULL_ATTENTION) full++;
            long vDim = (long) c.linearValueHeadDim() * c.linearNumValueHeads();
            long conv = (long) (c.linearConvKernel() - 1) * (vDim + 2L * c.linearNumKeyHeads() * c.linearKeyHeadDim());
            long delta = (long) c.linearKeyHeadDim() * vDim;
            long state = (c.numLayers() - full) * (conv + delta) * Float.BYTES;
            return new RuntimeMemory(kv(full, ctx, c.numKvHeads(), c.headDim()), state, overhead);
        }
        DenseConfig c = (DenseConfig) config;
        return new RuntimeMemory(kv(c.numLayers(), ctx, c.numKvHeads(), c.headDim()), 0, overhead);
    }

    private static long kv(int layers, int ctx, int kvHeads, int headDim) {
        return (long) layers * ctx * kvHeads * headDim * 2 * 2;
    }

    public long totalBytes() {
        return kvCacheBytes + recurrentStateBytes + overheadBytes;
    }
}
