/**
 * What {@code smelt inspect} reports about a model directory, .safetensors file or config.json: architecture,
 * parameter count, dtypes and the tensor table ({@link ModelInspector}).
 */
package dev.smelt.core.inspect;
