/**
 * The ggml block types Smelt writes (Q8_0, Q4_0/1, Q5_0/1, Q2_K to Q6_K, IQ4_NL, IQ4_XS): one
 * {@link BlockQuantizer} per type that quantizes and dequantizes a row, byte-exact with llama.cpp's ggml-quants.c.
 */
package dev.smelt.quantizer.block;
