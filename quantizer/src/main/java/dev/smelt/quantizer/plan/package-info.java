/**
 * Sizing before quantizing ({@code smelt quantize --plan}): per type the GGUF file size (the same plan the quantizer
 * writes by, from config.json, tokenizer files and safetensors headers, no tensor data read), the memory llama.cpp
 * needs at a context length ({@link dev.smelt.quantizer.plan.RuntimeMemory}) and the device tiers that fits
 * ({@link dev.smelt.quantizer.plan.Tier}).
 */
package dev.smelt.quantizer.plan;
