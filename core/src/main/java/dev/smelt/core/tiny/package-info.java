/**
 * Tiny random models for tests, CI smoke runs and {@code smelt create-tiny}: {@link TinyModelWriter} writes a
 * complete Hugging Face directory (config, byte-identical seeded weights, a real byte-level BPE tokenizer from
 * {@link TinyTokenizer}, the family's chat template: the Llama 2 format for llama, Qwen's own for the Qwen
 * families) for every supported architecture.
 */
package dev.smelt.core.tiny;
