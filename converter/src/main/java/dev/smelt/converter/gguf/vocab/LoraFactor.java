package dev.smelt.converter.gguf.vocab;

/**
 * The two factors of a LoRA adapter tensor in llama.cpp's adapter GGUF: {@code blk.3.attn_q.weight.lora_a} and
 * {@code .lora_b}, named after the base tensor they adapt. For a base weight with GGUF dims {@code [in, out]},
 * {@code lora_a} has dims {@code [in, r]} and {@code lora_b} {@code [r, out]} (llama.cpp computes
 * {@code W·x + scale·B·(A·x)} with {@code scale = alpha / r}, r read from {@code lora_b}).
 */
public enum LoraFactor {
    A(".lora_a"),
    B(".lora_b");

    private final String suffix;

    LoraFactor(String suffix) {
        this.suffix = suffix;
    }

    public String suffix() {
        return suffix;
    }

    /** The adapter tensor's name for base tensor {@code base}: {@code blk.0.attn_q.weight.lora_a}. */
    public String nameFor(MappedTensor base) {
        return base.ggufName() + suffix;
    }
}
