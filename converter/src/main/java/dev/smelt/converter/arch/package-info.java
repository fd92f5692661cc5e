/**
 * One place per architecture for the GGUF export ({@link GgufArchitecture}): GGUF name, tensor kinds, the HF name
 * table filtered to those kinds, the {@code {arch}.*} hyperparameters it writes and the row transforms its tensors
 * need (dense llama/qwen2/qwen3 in {@code DenseArchitecture}, the Qwen3.5 hybrid in {@code Qwen35Architecture}).
 */
package dev.smelt.converter.arch;
