/**
 * 4-bit weights for the ONNX export: {@link MatMulNBitsPacking} quantizes with the Q4_0 block quantizer (block 32,
 * symmetric, offset 8, fp16 scale) and lays the codes out as com.microsoft {@code MatMulNBits} reads them.
 */
package dev.smelt.quantizer.onnx;
