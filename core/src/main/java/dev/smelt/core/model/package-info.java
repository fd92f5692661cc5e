/**
 * The typed view of a Hugging Face model directory: {@link ModelDirectory} opens config.json as a
 * {@link ModelConfig} per architecture ({@code DenseConfig} for llama/qwen2/qwen3, {@code Qwen35Config} for the
 * Qwen3.5 hybrid), with generation_config.json, RoPE scaling and the expected tensor shapes ({@code TensorSpec}).
 */
package dev.smelt.core.model;
