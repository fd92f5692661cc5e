/**
 * llama-quantize's per-tensor mixes: which type each tensor gets for a mix name (Q4_K_M, ...), by tensor role and
 * layer index, with llama.cpp's fallbacks when a row does not fit the block.
 */
package dev.smelt.quantizer.mix;
