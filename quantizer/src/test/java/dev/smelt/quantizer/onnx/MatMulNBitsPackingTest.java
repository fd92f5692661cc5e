package dev.smelt.quantizer.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smelt.converter.gguf.GgmlType;
import dev.smelt.quantizer.block.BlockQuantizer;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class MatMulNBitsPackingTest {
    /** MatMulNBits' documented dequantization: element j of block b in byte j/2 (even j low nibble), w = (q − 8)·s. */
    static float[] dequantize(byte[] packed, float[] scales, int rows, int k) {
        int blocks = k / 32;
        float[] w = new float[rows * k];
        for (int r = 0; r < rows; r++) {
            for (int b = 0; b < blocks; b++) {
                for (int j = 0; j < 32; j++) {
                    int v = packed[(r * blocks + b) * 16 + j / 2];
                    int q = j % 2 == 0 ? v & 0x0f : (v >> 4) & 0x0f;
                    w[r * k + b * 32 + j] = (q - 8) * scales[r * blocks + b];
                }
            }
        }
        return w;
    }

    @Test
    void dequantizesToExactlyWhatQ4_0Dequantizes() {
        int rows = 5;
        int k = 96;
        float[] x = new float[rows * k];
        SplittableRandom rnd = new SplittableRandom(4);
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian() * (i % 7 == 0 ? 3 : 0.2f);
        byte[] packed = new byte[rows * k / 2];
        float[] scales = new float[rows * k / 32];
        new MatMulNBitsPacking().pack(x, rows, k, packed, scales);
        BlockQuantizer q4 = BlockQuantizer.of(GgmlType.Q4_0);
        byte[] ggml = new byte[k / 32 * 18];
        float[] want = new float[k];
        float[] got = dequantize(packed, scales, rows, k);
        double err = 0;
        for (int r = 0; r < rows; r++) {
            q4.quantizeRow(x, r * k, k, null, ggml, 0);
            q4.dequantizeRow(ggml, 0, want, 0, k);
            for (int i = 0; i < k; i++) {
                assertThat(got[r * k + i]).as("row %d element %d", r, i).isEqualTo(want[i]);
                err = Math.max(err, Math.abs(got[r * k + i] - x[r * k + i]));
            }
        }
        assertThat(err).isGreaterThan(0).isLessThan(1.0);
    }

    @Test
    void eightBitCodesDequantizeToExactlyWhatQ8_0Dequantizes() {
        int rows = 4;
        int k = 64;
        float[] x = new float[rows * k];
        SplittableRandom rnd = new SplittableRandom(9);
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian() * (i % 5 == 0 ? 2 : 0.1f);
        byte[] codes = new byte[rows * k];
        float[] scales = new float[rows * k / 32];
        new MatMulNBitsPacking().pack8(x, rows, k, codes, scales);
        BlockQuantizer q8 = BlockQuantizer.of(GgmlType.Q8_0);
        byte[] ggml = new byte[k / 32 * 34];
        float[] want = new float[k];
        for (int r = 0; r < rows; r++) {
            q8.quantizeRow(x, r * k, k, null, ggml, 0);
            q8.dequantizeRow(ggml, 0, want, 0, k);
            for (int i = 0; i < k; i++) {
                // MatMulNBits bits 8, no zero points: element j of block b in byte j, w = (q − 128)·s
                float got = ((codes[r * k + i] & 0xff) - 128) * scales[r * (k / 32) + i / 32];
                assertThat(got).as("row %d element %d", r, i).isEqualTo(want[i]);
            }
        }
    }
}
