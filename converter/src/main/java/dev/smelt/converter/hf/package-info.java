/**
 * Hugging Face safetensors directory to llama.cpp-compatible GGUF ({@code smelt convert gguf}): {@link GgufExport}
 * plans and writes the file ({@code general.*} metadata, shape checks against config.json, output type per
 * tensor), with the tensor conversion, tokenizer metadata and model card; what each architecture needs lives in
 * {@code converter.arch}.
 */
package dev.smelt.converter.hf;
