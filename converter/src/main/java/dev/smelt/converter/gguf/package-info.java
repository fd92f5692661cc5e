/**
 * The GGUF v3 container: typed metadata values, ggml tensor types, a streaming atomic writer, a memory-mapped
 * validating reader, and what {@code smelt inspect F.gguf} shows. It knows the file format, not models.
 */
package dev.smelt.converter.gguf;
