package dev.smelt.quantizer.onnx;

import dev.smelt.converter.gguf.GgmlType;
import dev.smelt.converter.onnx.Int4Packing;
import dev.smelt.core.safetensors.Floats;
import dev.smelt.quantizer.block.BlockQuantizer;

/**
 * {@link Int4Packing} through ggml's Q4_0 (llama.cpp's reference rounding): a block of 32 weights becomes codes
 * q ∈ [0, 15] with {@code w = (q − 8)·d} and an fp16 scale d, which is exactly {@code MatMulNBits} with bits 4,
 * block 32 and its default zero point 8. Only the nibble order differs: Q4_0 pairs element j with j + 16 in a byte,
 * MatMulNBits pairs 2i (low nibble) with 2i + 1 (high).
 */
public final class MatMulNBitsPacking implements Int4Packing {
    private static final int Q4_0_BYTES = 18; // fp16 d, then 16 bytes of codes

    private final BlockQuantizer q4 = BlockQuantizer.of(GgmlType.Q4_0);

    @Override
    public void pack(float[] x, int rows, int k, byte[] packed, float[] scales) {
        if (k % BLOCK != 0) throw new IllegalArgumentException("row length " + k + " is not a multiple of " + BLOCK);
        int blocks = k / BLOCK;
        byte[] row = new byte[blocks * Q4_0_BYTES];
        int[] codes = new int[BLOCK];
        for (int r = 0; r < rows; r++) {
            q4.quantizeRow(x, r * k, k, null, row, 0);
            for (int b = 0; b < blocks; b++) {
                int o = b * Q4_0_BYTES;
                scales[r * blocks + b] = Floats.halfToFloat((short) ((row[o] & 0xff) | (row[o + 1] & 0xff) << 8));
                for (int j = 0; j < BLOCK / 2; j++) {
                    codes[j] = row[o + 2 + j] & 0x0f;
                    codes[j + BLOCK / 2] = (row[o + 2 + j] >> 4) & 0x0f;
                }
                int dst = (r * blocks + b) * (BLOCK / 2);
                for (int i = 0; i < BLOCK / 2; i++) packed[dst + i] = (byte) (codes[2 * i] | codes[2 * i + 1] << 4);
            }
        }
    }
}
