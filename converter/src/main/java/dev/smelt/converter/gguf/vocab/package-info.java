/**
 * The GGUF vocabulary, in the manner of gguf-py's constants.py and tensor_mapping.py: every metadata key
 * ({@code general.*}, {@code {arch}.*} templates, {@code tokenizer.ggml.*}), the tensor kinds with their GGUF name
 * templates, and the one table from Hugging Face tensor names to (kind, block, name).
 */
package dev.smelt.converter.gguf.vocab;
