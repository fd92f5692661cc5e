/**
 * Quantizing a whole GGUF model: {@link GgufQuantizer} plans, checks and writes one tensor at a time through the
 * converter's atomic writer, quantizing rows on several threads, optionally with an importance matrix.
 */
package dev.smelt.quantizer.gguf;
