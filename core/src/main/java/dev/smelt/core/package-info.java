/**
 * The formats and models every Smelt stage shares, with no DJL or native library: safetensors
 * ({@code safetensors}), the typed Hugging Face model directory ({@code model}), chat templates ({@code chat}),
 * tiny random models for tests ({@code tiny}), model inspection ({@code inspect}), atomic file writes ({@code io})
 * and {@link SmeltException}, the one-line user-facing error every module throws.
 */
package dev.smelt.core;
