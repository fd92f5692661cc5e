package dev.smelt.models;

/**
 * Per-sequence state carried between {@link CausalLM#step} calls (the KV cache, or recurrent state for
 * linear-attention layers). Each architecture has its own implementation; callers only read its length.
 */
public interface DecoderCache extends AutoCloseable {
    /** Tokens processed so far (the position of the next token). */
    int length();

    /** Frees the cached arrays. */
    @Override
    void close();
}
