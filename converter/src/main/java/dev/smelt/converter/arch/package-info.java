/**
 * One place per architecture for the GGUF export: its GGUF architecture name, the tensor kinds it has, the
 * hyperparameters it writes and the row transforms its tensors need (dense llama/qwen2/qwen3, Qwen3.5).
 */
package dev.smelt.converter.arch;
