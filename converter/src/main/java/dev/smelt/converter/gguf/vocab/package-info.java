/**
 * What GGUF calls things, after gguf-py's constants.py and tensor_mapping.py: every metadata key
 * ({@link GgufKeys}), the tensor kinds with their name templates ({@link TensorKind}), and the one table from
 * Hugging Face spellings to (kind, block, GGUF name) ({@link TensorNameMap}).
 */
package dev.smelt.converter.gguf.vocab;
