package dev.smelt.converter.arch;

import static dev.smelt.converter.gguf.vocab.TensorKind.*;

import dev.smelt.converter.gguf.GgufTensor;
import dev.smelt.converter.gguf.GgufValue;
import dev.smelt.converter.gguf.vocab.MappedTensor;
import dev.smelt.converter.gguf.vocab.TensorKind;
import dev.smelt.converter.gguf.vocab.TensorNameMap;
import dev.smelt.core.SmeltException;
import dev.smelt.core.model.Architecture;
import dev.smelt.core.model.DenseConfig;
import dev.smelt.core.model.ModelConfig;
import dev.smelt.core.model.RopeScaling;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The Llama-shaped decoders (attention + SwiGLU MLP in every block): llama, qwen2, qwen3. They differ in the kinds
 * they have (qwen3's q/k norms), whether q/k rows are permuted to GGML's RoPE layout (llama only: HF stores them
 * rotate-half, llama.cpp's {@code llama} graph expects interleaved pairs) and whether Llama 3 rope scaling can be
 * expressed ({@code rope_freqs}; llama.cpp's qwen2 loader does not read it).
 */
public final class DenseArchitecture implements GgufArchitecture {
    private static final Set<TensorKind> DENSE = EnumSet.of(TOKEN_EMBD, OUTPUT_NORM, OUTPUT, ROPE_FREQS,
            ATTN_NORM, ATTN_Q, ATTN_K, ATTN_V, ATTN_OUTPUT, FFN_NORM, FFN_GATE, FFN_UP, FFN_DOWN);

    public static final DenseArchitecture LLAMA = new DenseArchitecture("llama", Architecture.LLAMA, DENSE, true, true);
    public static final DenseArchitecture QWEN2 = new DenseArchitecture("qwen2", Architecture.QWEN2, DENSE, false, false);
    public static final DenseArchitecture QWEN3 = new DenseArchitecture("qwen3", Architecture.QWEN3, with(DENSE, ATTN_Q_NORM, ATTN_K_NORM),
            false, true);

    private final String ggufName;
    private final Architecture source;
    private final Set<TensorKind> kinds;
    private final boolean permutesQueryKey;
    private final boolean llama3Rope;
    private final TensorNameMap names;

    private DenseArchitecture(String ggufName, Architecture source, Set<TensorKind> kinds, boolean permutesQueryKey,
            boolean llama3Rope) {
        this.ggufName = ggufName;
        this.source = source;
        this.kinds = Collections.unmodifiableSet(EnumSet.copyOf(kinds));
        this.permutesQueryKey = permutesQueryKey;
        this.llama3Rope = llama3Rope;
        this.names = TensorNameMap.of(ggufName, kinds);
    }

    private static Set<TensorKind> with(Set<TensorKind> base, TensorKind... more) {
        Set<TensorKind> s = EnumSet.copyOf(base);
        s.addAll(List.of(more));
        return s;
    }

    @Override
    public String ggufName() {
        return ggufName;
    }

    @Override
    public Architecture source() {
        return source;
    }

    @Override
    public Set<TensorKind> tensorKinds() {
        return kinds;
    }

    @Override
    public TensorNameMap tensorNames() {
        return names;
    }

    @Override
    public Map<String, GgufValue> hyperparameters(ModelConfig config) {
        DenseConfig c = (DenseConfig) config;
        Map<String, GgufValue> m = Hyperparameters.common(ggufName, c, c.intermediateSize(), c.numHeads(), c.numKvHeads(),
                c.headDim(), c.rmsNormEps(), c.ropeTheta(), c.headDim());
        Hyperparameters.ropeScaling(ggufName, c.ropeScaling(), m);
        return m;
    }

    /** llama: q/k weights and biases get {@link RowTransform#llamaRopePermutation} over their heads. */
    @Override
    public RowTransform transform(ModelConfig config, MappedTensor tensor, long[] shape) {
        if (!permutesQueryKey) return RowTransform.IDENTITY;
        DenseConfig c = (DenseConfig) config;
        int rows = shape.length == 0 ? 1 : (int) shape[0];
        return switch (tensor.kind()) {
            case ATTN_Q -> RowTransform.IDENTITY.withRowOrder(RowTransform.llamaRopePermutation(rows, c.numHeads()));
            case ATTN_K -> RowTransform.IDENTITY.withRowOrder(RowTransform.llamaRopePermutation(rows, c.numKvHeads()));
            default -> RowTransform.IDENTITY;
        };
    }

    /** {@code rope_freqs.weight} for Llama 3 ({@code rope_type: llama3}) scaling. */
    @Override
    public List<GgufTensor> extraTensors(ModelConfig config) {
        DenseConfig c = (DenseConfig) config;
        if (c.ropeScaling() == null || !c.ropeScaling().type().equals("llama3")) return List.of();
        if (!llama3Rope) {
            throw new SmeltException("config.json: llama3 rope scaling is not supported by llama.cpp's " + ggufName + " architecture");
        }
        float[] factors = llama3RopeFactors(c);
        return List.of(GgufTensor.ofFloats(MappedTensor.of(ROPE_FREQS, TensorKind.GLOBAL, ".weight").ggufName(),
                new long[] {factors.length}, factors));
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

    @Override
    public String toString() {
        return ggufName;
    }
}
