package dev.smelt.converter.gguf.vocab;

/**
 * What a GGUF tensor is, independent of the checkpoint it came from (gguf-py's {@code MODEL_TENSOR} with its
 * {@code TENSOR_NAMES}): its llama.cpp name template and the facts writers and quantizers decide by. Per-block
 * kinds are named {@code blk.{bid}.…}; a tensor name adds a suffix ({@code .weight}, {@code .bias}, or none for
 * parameters such as {@code ssm_a}).
 */
public enum TensorKind {
    TOKEN_EMBD("token_embd", false),
    OUTPUT_NORM("output_norm", true),
    /** The LM head; absent when tied to {@link #TOKEN_EMBD}. */
    OUTPUT("output", false),
    /** Per-frequency RoPE factors computed by the converter (Llama 3 {@code rope_type: llama3}), not read from weights. */
    ROPE_FREQS("rope_freqs", true),

    ATTN_NORM("blk.{bid}.attn_norm", true),
    ATTN_Q("blk.{bid}.attn_q", false),
    ATTN_K("blk.{bid}.attn_k", false),
    ATTN_V("blk.{bid}.attn_v", false),
    ATTN_OUTPUT("blk.{bid}.attn_output", false),
    ATTN_Q_NORM("blk.{bid}.attn_q_norm", true),
    ATTN_K_NORM("blk.{bid}.attn_k_norm", true),
    /** Fused q/k/v projection (Qwen3.5's linear-attention {@code in_proj_qkv}). */
    ATTN_QKV("blk.{bid}.attn_qkv", false),
    /** Output gate of linear attention (Qwen3.5's {@code in_proj_z}). */
    ATTN_GATE("blk.{bid}.attn_gate", false),
    /** The norm after attention where it is not called the FFN norm (Qwen3.5's {@code post_attention_layernorm}). */
    ATTN_POST_NORM("blk.{bid}.post_attention_norm", true),

    FFN_NORM("blk.{bid}.ffn_norm", true),
    FFN_GATE("blk.{bid}.ffn_gate", false),
    FFN_UP("blk.{bid}.ffn_up", false),
    FFN_DOWN("blk.{bid}.ffn_down", false),

    /** Decay {@code A = −exp(A_log)}, one value per value head. */
    SSM_A("blk.{bid}.ssm_a", true),
    /** Short causal convolution over the q/k/v channels. */
    SSM_CONV1D("blk.{bid}.ssm_conv1d", true),
    /** Time-step bias ({@code dt_bias}), one value per value head. */
    SSM_DT("blk.{bid}.ssm_dt", true),
    /** Gated RMSNorm inside linear attention. */
    SSM_NORM("blk.{bid}.ssm_norm", true),
    SSM_OUT("blk.{bid}.ssm_out", false),
    /** Decay-gate projection (Qwen3.5's {@code in_proj_a}). */
    SSM_ALPHA("blk.{bid}.ssm_alpha", false),
    /** Update-gate projection (Qwen3.5's {@code in_proj_b}). */
    SSM_BETA("blk.{bid}.ssm_beta", false),

    // ---- mmproj (general.architecture = clip): the vision encoder and its projector ----
    /**
     * Patch embedding as a 2-D conv kernel {@code [D, C, P, P]}; a video-capable tower (Qwen3-VL, Qwen3.5) splits its
     * temporal kernel into {@code v.patch_embd.weight} (frame 0) and {@code v.patch_embd.weight.1} (frame 1,
     * {@link #SECOND_FRAME_SUFFIX}).
     */
    V_PATCH_EMBD("v.patch_embd", false),
    /** Learned position table; always F32 (llama.cpp resamples it at run time). */
    V_POSITION_EMBD("v.position_embd", true),
    V_ENC_ATTN_QKV("v.blk.{bid}.attn_qkv", false),
    V_ENC_ATTN_OUT("v.blk.{bid}.attn_out", false),
    V_ENC_NORM1("v.blk.{bid}.ln1", true),
    V_ENC_NORM2("v.blk.{bid}.ln2", true),
    V_ENC_FFN_UP("v.blk.{bid}.ffn_up", false),
    V_ENC_FFN_DOWN("v.blk.{bid}.ffn_down", false),
    /** The norm after the encoder (Qwen3-VL / Qwen3.5: the patch merger's LayerNorm). */
    V_POST_NORM("v.post_ln", true),
    /** First projector linear ({@code mm.0}; Qwen3.5's {@code merger.linear_fc1}). */
    V_MMPROJ_0("mm.0", false),
    /** Second projector linear after the GELU ({@code mm.2}; Qwen3.5's {@code merger.linear_fc2}). */
    V_MMPROJ_2("mm.2", false);

    /** What follows {@code v.patch_embd.weight} in the name of the second temporal frame's kernel. */
    public static final String SECOND_FRAME_SUFFIX = ".1";

    /** The block index of a global tensor in {@link MappedTensor}. */
    public static final int GLOBAL = -1;

    private static final String BID = "{bid}";

    private final String template;
    private final boolean keepsF32;

    TensorKind(String template, boolean keepsF32) {
        this.template = template;
        this.keepsF32 = keepsF32;
    }

    /** The llama.cpp name without suffix, {@code blk.{bid}.attn_q} or {@code token_embd}. */
    public String template() {
        return template;
    }

    /** True for tensors repeated in every block ({@code blk.N.…}), false for the few global ones. */
    public boolean perBlock() {
        return template.contains(BID);
    }

    /**
     * True for norms, per-head vectors and conv kernels: llama.cpp's converter writes them F32 whatever the
     * output type and llama-quantize leaves them alone. (Biases and 1-D tensors of other kinds are kept F32 too;
     * that is a fact of the tensor, not of its kind.)
     */
    public boolean keepsF32() {
        return keepsF32;
    }

    /** The name without suffix for a block ({@link #GLOBAL} for global kinds): {@code blk.3.attn_q}. */
    public String baseName(int block) {
        if (perBlock() != (block != GLOBAL) || block < GLOBAL) {
            throw new IllegalArgumentException(this + (perBlock() ? " needs a block index, got " : " is global, got block ") + block);
        }
        return perBlock() ? template.replace(BID, Integer.toString(block)) : template;
    }
}
