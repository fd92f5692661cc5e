package dev.smelt.quantizer.onnx;

import dev.smelt.converter.gguf.GgmlType;
import dev.smelt.converter.onnx.Int4Packing;
import dev.smelt.core.safetensors.Floats;
import dev.smelt.quantizer.block.BlockQuantizer;

/**
 * {@link Int4Packing} through ggml's Q4_0 and Q8_0 (llama.cpp's reference rounding). Q4_0: a block of 32 weights
 * becomes codes q ∈ [0, 15] with {@code w = (q − 8)·d} and an fp16 scale d, which is exactly {@code MatMulNBits}
 * with bits 4, block 32 and its default zero point 8; only the nibble order differs: Q4_0 pairs element j with
 * j + 16 in a byte, MatMulNBits pairs 2i (low nibble) with 2i + 1 (high). Q8_0: int8 codes c with {@code w = c·d},
 * which is MatMulNBits bits 8 with code c + 128 and its default zero point 128.
 */
public final class MatMulNBitsPacking implements Int4Packing {
    private static final int Q4_0_BYTES = 18; // fp16 d, then 16 bytes of codes
    private static final int Q8_0_BYTES = 34; // fp16 d, then 32 signed bytes

    private final BlockQuantizer q4 = BlockQuantizer.of(GgmlType.Q4_0);
    private final BlockQuantizer q8 = BlockQuantizer.of(GgmlType.Q8_0);

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
                scales[r * blocks + b] = scale(row, o);
                for (int j = 0; j < BLOCK / 2; j++) {
                    codes[j] = row[o + 2 + j] & 0x0f;
                    codes[j + BLOCK / 2] = (row[o + 2 + j] >> 4) & 0x0f;
                }
                int dst = (r * blocks + b) * (BLOCK / 2);
                for (int i = 0; i < BLOCK / 2; i++) packed[dst + i] = (byte) (codes[2 * i] | codes[2 * i + 1] << 4);
            }
        }
    }

    @Override
    public void pack8(float[] x, int rows, int k, byte[] codes, float[] scales) {
        if (k % BLOCK != 0) throw new IllegalArgumentException("row length " + k + " is not a multiple of " + BLOCK);
        int blocks = k / BLOCK;
        byte[] row = new byte[blocks * Q8_0_BYTES];
        for (int r = 0; r < rows; r++) {
            q8.quantizeRow(x, r * k, k, null, row, 0);
            for (int b = 0; b < blocks; b++) {
                int o = b * Q8_0_BYTES;
                scales[r * blocks + b] = scale(row, o);
                int dst = (r * blocks + b) * BLOCK;
                for (int j = 0; j < BLOCK; j++) codes[dst + j] = (byte) (row[o + 2 + j] + 128);
            }
        }
    }

    private static float scale(byte[] block, int o) {
        return Floats.halfToFloat((short) ((block[o] & 0xff) | (block[o + 1] & 0xff) << 8));
    }
}
