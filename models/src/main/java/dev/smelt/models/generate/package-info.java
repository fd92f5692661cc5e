/**
 * Generation: {@link LanguageModel} (model, {@link GenerationTokenizer}, chat template, stop tokens), greedy and
 * sampled decoding with a KV cache, text streamed without splitting a UTF-8 character, and the prefill/decode
 * speed benchmark.
 */
package dev.smelt.models.generate;
