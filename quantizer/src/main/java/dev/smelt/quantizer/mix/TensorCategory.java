package dev.smelt.quantizer.mix;

import dev.smelt.converter.gguf.vocab.MappedTensor;
import dev.smelt.converter.gguf.vocab.TensorKind;

/**
 * llama-quantize's broad tensor roles ({@code tensor_category} in llama-quant.cpp). Tensors of the converter's
 * vocabulary are classed by their {@link TensorKind}; a GGUF of an architecture Smelt does not convert can
 * carry other tensors, and those are recognised by llama-quantize's own name matching, so that any GGUF gets
 * llama-quantize's choices.
 */
enum TensorCategory {
    TOKEN_EMBD, ATTENTION_Q, ATTENTION_V, ATTENTION_K, ATTENTION_QKV, ATTENTION_KV_B, ATTENTION_OUTPUT,
    FFN_UP, FFN_GATE, FFN_DOWN, OUTPUT, OTHER;

    static TensorCategory of(String name) {
        return MappedTensor.parse(name).map(TensorCategory::of).orElseGet(() -> ofForeign(name));
    }

    static TensorCategory of(MappedTensor tensor) {
        if (tensor.isBias()) return OTHER;
        return switch (tensor.kind()) {
            case TOKEN_EMBD -> TOKEN_EMBD;
            case OUTPUT -> OUTPUT;
            case ATTN_Q -> ATTENTION_Q;
            case ATTN_K -> ATTENTION_K;
            case ATTN_V -> ATTENTION_V;
            case ATTN_QKV -> ATTENTION_QKV;
            case ATTN_OUTPUT -> ATTENTION_OUTPUT;
            case FFN_UP -> FFN_UP;
            case FFN_GATE -> FFN_GATE;
            case FFN_DOWN -> FFN_DOWN;
            // llama-quantize matches none of its categories on these (attn_gate contains no "attn_q"/"ffn_gate")
            case OUTPUT_NORM, ROPE_FREQS, ATTN_NORM, ATTN_Q_NORM, ATTN_K_NORM, ATTN_GATE, ATTN_POST_NORM, FFN_NORM,
                    SSM_A, SSM_CONV1D, SSM_DT, SSM_NORM, SSM_OUT, SSM_ALPHA, SSM_BETA -> OTHER;
            // mmproj tensors: llama-quantize never sees them (mmproj files are converted, not quantized, by Smelt)
            case V_PATCH_EMBD, V_POSITION_EMBD, V_ENC_ATTN_QKV, V_ENC_ATTN_OUT, V_ENC_NORM1, V_ENC_NORM2, V_ENC_FFN_UP,
                    V_ENC_FFN_DOWN, V_POST_NORM, V_MMPROJ_0, V_MMPROJ_2 -> OTHER;
        };
    }

    /** llama-quantize's substring rules, for tensors of architectures outside Smelt's vocabulary. */
    private static TensorCategory ofForeign(String name) {
        if (name.equals("per_layer_token_embd.weight")) return TOKEN_EMBD;
        if (name.contains("attn_qkv.weight")) return ATTENTION_QKV;
        if (name.contains("attn_kv_b.weight")) return ATTENTION_KV_B;
        if (name.contains("attn_v.weight")) return ATTENTION_V;
        if (name.contains("attn_k.weight")) return ATTENTION_K;
        if (name.contains("attn_q.weight")) return ATTENTION_Q;
        if (name.contains("attn_output.weight")) return ATTENTION_OUTPUT;
        if (name.contains("ffn_up")) return FFN_UP;
        if (name.contains("ffn_gate")) return FFN_GATE;
        if (name.contains("ffn_down")) return FFN_DOWN;
        return OTHER;
    }

    /** attn_v-like tensors (attn_v, the fused attn_qkv of Qwen3.5's linear-attention layers, attn_kv_b). */
    boolean isAttentionV() {
        return this == ATTENTION_V || this == ATTENTION_QKV || this == ATTENTION_KV_B;
    }
}
