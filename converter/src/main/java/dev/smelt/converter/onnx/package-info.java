/**
 * Hugging Face model directory to an ONNX folder that onnxruntime, transformers.js and Optimum load as it is
 * ({@code smelt convert onnx}). {@link OnnxExport} plans and writes the folder; {@link DenseDecoderGraph} builds
 * the llama / qwen2 / qwen3 decoder graph (merged prefill + decode with {@code past_key_values} I/O) from standard
 * ai.onnx ops through {@link GraphBuilder}; {@link OnnxModelWriter} serialises the ModelProto in protobuf wire format
 * with {@code CodedOutputStream}, streaming each weight from the memory-mapped safetensors, inline or into
 * {@code <file>.onnx_data}. Field numbers come from onnx.proto and live in {@link OnnxSchema} only.
 */
package dev.smelt.converter.onnx;
