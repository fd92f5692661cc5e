/**
 * The Qwen3.5 hybrid decoder: gated attention layers with multimodal RoPE, Gated DeltaNet linear-attention layers
 * (chunked and per-token forms of the gated delta rule), their cache, and the delta-rule benchmark.
 */
package dev.smelt.models.qwen35;
