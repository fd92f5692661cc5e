/**
 * Weights for the ONNX export: {@link MatMulNBitsPacking} quantizes with the Q4_0 and Q8_0 block quantizers (block 32,
 * symmetric, offsets 8 and 128, fp16 scales) and lays the codes out as com.microsoft {@code MatMulNBits} reads them.
 */
package dev.smelt.quantizer.onnx;
