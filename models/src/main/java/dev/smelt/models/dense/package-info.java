/**
 * The Llama-style dense decoders ({@code llama}, {@code qwen2}, {@code qwen3}): attention with grouped-query
 * heads, SwiGLU layers and the KV cache.
 */
package dev.smelt.models.dense;
