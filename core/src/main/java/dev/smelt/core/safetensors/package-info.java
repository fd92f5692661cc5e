/**
 * The safetensors format: memory-mapped reading of single files and sharded models over 2 GiB
 * ({@code SafetensorsFile}, {@code SafetensorsModel}), streamed writing from per-tensor sources
 * ({@code SafetensorsWriter}, {@code TensorSource}), and the dtypes with their float conversions ({@code DType},
 * {@code Floats}).
 */
package dev.smelt.core.safetensors;
