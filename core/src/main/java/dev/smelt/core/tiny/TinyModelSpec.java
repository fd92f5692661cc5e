package dev.smelt.core.tiny;

import dev.smelt.core.SmeltException;
import dev.smelt.core.model.Architecture;
import dev.smelt.core.safetensors.DType;
import java.util.EnumSet;

/**
 * Shape and settings of a tiny random model. Build one with {@link #builder(Architecture)}; every value left
 * unset gets a small default that keeps the architecture's characteristic features (GQA, qwen2 biases,
 * qwen3 q/k norms, a full-attention layer among qwen3_5's linear-attention layers).
 *
 * @param linearKeyHeads   qwen3_5 Gated DeltaNet key heads (ignored by dense architectures)
 * @param linearValueHeads qwen3_5 value heads; a multiple of the key heads
 * @param mtpLayers        qwen3_5 multi-token-prediction layers written under {@code mtp.*}
 * @param maxShardBytes    split weights into HF shards above this size ({@code Long.MAX_VALUE}: one file)
 * @param vision           qwen3_5 only: add a tiny vision tower ({@code vision_config}, {@code model.visual.*},
 *                         preprocessor_config.json) in the real Qwen3.5 multimodal layout
 */
public record TinyModelSpec(
        Architecture architecture,
        long seed,
        int vocabSize,
        int hiddenSize,
        int numLayers,
        int numHeads,
        int numKvHeads,
        int headDim,
        int intermediateSize,
        boolean tieWordEmbeddings,
        int linearKeyHeads,
        int linearValueHeads,
        int linearKeyHeadDim,
        int linearValueHeadDim,
        int fullAttentionInterval,
        int mtpLayers,
        DType dtype,
        int maxPositionEmbeddings,
        long maxShardBytes,
        boolean vision) {

    public TinyModelSpec {
        positive("vocab_size (--vocab)", vocabSize);
        positive("hidden_size (--hidden)", hiddenSize);
        positive("num_hidden_layers (--layers)", numLayers);
        positive("num_attention_heads (--heads)", numHeads);
        positive("num_key_value_heads (--kv-heads)", numKvHeads);
        positive("head_dim (--head-dim)", headDim);
        positive("intermediate_size (--intermediate)", intermediateSize);
        positive("max_position_embeddings (--max-positions)", maxPositionEmbeddings);
        if (maxShardBytes <= 0) throw new SmeltException("shard size (--max-shard-size) must be positive, got " + maxShardBytes);
        if (vocabSize < TinyTokenizer.MIN_VOCAB) {
            throw new SmeltException("vocab_size (--vocab) " + vocabSize + " is below the tokenizer's minimum of "
                    + TinyTokenizer.MIN_VOCAB + " (256 byte tokens + " + TinyTokenizer.ADDED_TOKENS.size() + " added tokens)");
        }
        if (numHeads % numKvHeads != 0) {
            throw new SmeltException("num_attention_heads (--heads) " + numHeads
                    + " must be a multiple of num_key_value_heads (--kv-heads) " + numKvHeads);
        }
        if (architecture == Architecture.QWEN2 && headDim * numHeads != hiddenSize) {
            throw new SmeltException("qwen2 derives head_dim from hidden_size / num_attention_heads, so --head-dim must be "
                    + hiddenSize + " / " + numHeads + " (got " + headDim + ")");
        }
        if (!EnumSet.of(DType.F32, DType.F16, DType.BF16).contains(dtype)) {
            throw new SmeltException("dtype (--dtype) must be f32, f16 or bf16, got " + dtype.name().toLowerCase());
        }
        if (vision && architecture != Architecture.QWEN3_5) {
            throw new SmeltException("a vision tower (--vision) exists only for qwen3_5, not " + architecture.modelType());
        }
        if (architecture == Architecture.QWEN3_5) {
            positive("linear_num_key_heads (--linear-k-heads)", linearKeyHeads);
            positive("linear_num_value_heads (--linear-v-heads)", linearValueHeads);
            positive("linear_key_head_dim (--linear-head-dim)", linearKeyHeadDim);
            positive("linear_value_head_dim (--linear-head-dim)", linearValueHeadDim);
            positive("full_attention_interval (--full-attention-interval)", fullAttentionInterval);
            if (linearValueHeads % linearKeyHeads != 0) {
                throw new SmeltException("linear_num_value_heads (--linear-v-heads) " + linearValueHeads
                        + " must be a multiple of linear_num_key_heads (--linear-k-heads) " + linearKeyHeads);
            }
            if (mtpLayers < 0) throw new SmeltException("mtp_num_hidden_layers (--mtp-layers) must be >= 0, got " + mtpLayers);
            if (headDim % 8 != 0 || headDim < 16) {
                throw new SmeltException("qwen3_5 head_dim (--head-dim) must be a multiple of 8 and at least 16 (a quarter "
                        + "of it is rotated, in pairs, over three mRoPE sections), got " + headDim);
            }
        }
    }

    private static void positive(String what, long v) {
        if (v <= 0) throw new SmeltException(what + " must be positive, got " + v);
    }

    public static Builder builder(Architecture architecture) {
        return new Builder(architecture);
    }

    /** Unset values get defaults when {@link #build()} is called; see {@link TinyModelSpec}. */
    public static final class Builder {
        private final Architecture arch;
        private long seed = 0;
        private Integer vocab, hidden, layers, heads, kvHeads, headDim, intermediate;
        private Boolean tie;
        private Integer linearKeyHeads, linearValueHeads, linearHeadDim, interval;
        private int mtpLayers = 0;
        private DType dtype = DType.F32;
        private int maxPositions = 2048;
        private long maxShardBytes = Long.MAX_VALUE;
        private boolean vision;

        private Builder(Architecture arch) {
            this.arch = arch;
        }

        public Builder seed(long v) { seed = v; return this; }
        public Builder vocabSize(Integer v) { vocab = v; return this; }
        public Builder hiddenSize(Integer v) { hidden = v; return this; }
        public Builder numLayers(Integer v) { layers = v; return this; }
        public Builder numHeads(Integer v) { heads = v; return this; }
        public Builder numKvHeads(Integer v) { kvHeads = v; return this; }
        public Builder headDim(Integer v) { headDim = v; return this; }
        public Builder intermediateSize(Integer v) { intermediate = v; return this; }
        public Builder tieWordEmbeddings(Boolean v) { tie = v; return this; }
        public Builder linearKeyHeads(Integer v) { linearKeyHeads = v; return this; }
        public Builder linearValueHeads(Integer v) { linearValueHeads = v; return this; }
        public Builder linearHeadDim(Integer v) { linearHeadDim = v; return this; }
        public Builder fullAttentionInterval(Integer v) { interval = v; return this; }
        public Builder mtpLayers(int v) { mtpLayers = v; return this; }
        public Builder dtype(DType v) { dtype = v; return this; }
        public Builder maxPositionEmbeddings(int v) { maxPositions = v; return this; }
        public Builder maxShardBytes(long v) { maxShardBytes = v; return this; }
        public Builder vision(boolean v) { vision = v; return this; }

        public TinyModelSpec build() {
            boolean q35 = arch == Architecture.QWEN3_5;
            int h = hidden != null ? hidden : 64;
            int l = layers != null ? layers : (q35 ? 4 : 2);
            int nh = heads != null ? heads : 4;
            int kv = kvHeads != null ? kvHeads : Math.max(1, nh / 2);
            int hd = headDim != null ? headDim : q35 ? 64 : h / Math.max(1, nh);
            if (headDim == null && !q35 && h % Math.max(1, nh) != 0) {
                throw new SmeltException("hidden_size (--hidden) " + h + " is not divisible by num_attention_heads (--heads) "
                        + nh + "; pass --head-dim");
            }
            int lk = linearKeyHeads != null ? linearKeyHeads : 2;
            int lv = linearValueHeads != null ? linearValueHeads : lk;
            int lhd = linearHeadDim != null ? linearHeadDim : 32;
            int iv = interval != null ? interval : Math.min(4, l);
            return new TinyModelSpec(arch, seed, vocab != null ? vocab : 1024, h, l, nh, kv, hd,
                    intermediate != null ? intermediate : 3 * h,
                    tie != null ? tie : arch != Architecture.LLAMA,
                    lk, lv, lhd, lhd, iv, mtpLayers, dtype, maxPositions, maxShardBytes, vision);
        }
    }
}
