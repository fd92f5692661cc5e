/**
 * What a quantized GGUF did to a model's weights, in the Hugging Face layout: {@link HfWeights} dequantizes a GGUF
 * tensor back to its safetensors name, shape and row/column order, and measures its RMSE against the original.
 * {@code smelt quant-report} runs the model with these weights to gate a release.
 */
package dev.smelt.quantizer.report;
