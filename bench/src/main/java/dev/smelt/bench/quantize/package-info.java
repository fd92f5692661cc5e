/**
 * {@code smelt bench quantize}: quantization throughput of Smelt against llama.cpp's llama-quantize on the same F32
 * GGUF with the same thread count, measured in one run and printed as a ratio.
 */
package dev.smelt.bench.quantize;
