package dev.smelt.quantizer.block;

import dev.smelt.converter.gguf.GgmlType;

/** Q4_1: blocks of 32 4-bit values with fp16 scale and min; layout d, m, qs[16]. */
public final class Q4_1Quantizer implements BlockQuantizer {
    static final Q4_1Quantizer INSTANCE = new Q4_1Quantizer();
    private static final int QK = 32;
    private static final int BYTES = 20;

    private Q4_1Quantizer() {}

    @Override
    public GgmlType type() {
        return GgmlType.Q4_1;
    }

    @Override
    public void quantizeRow(float[] x, int xOff, int n, float[] importance, byte[] dst, int dstOff) {
        if (importance == null) {
            for (int i = 0; i < n / QK; i++) reference(x, xOff + i * QK, dst, dstOff + i * BYTES);
            return;
        }
        float sigma2 = BlockQuantizer.sumOfSquares(x, xOff, n) / n;
        float[] weight = new float[QK];
        byte[] L = new byte[QK];
        byte[] aux = new byte[QK];
        float[] min = new float[1];
        for (int ib = 0; ib < n / QK; ++ib) {
            int xb = xOff + QK * ib;
            int o = dstOff + ib * BYTES;
            for (int j = 0; j < QK; ++j) {
                weight[j] = importance[QK * ib + j] * (float) Math.sqrt(sigma2 + x[xb + j] * x[xb + j]);
            }
            float d = ScaleSearch.makeQkx3Quants(QK, 15, x, xb, weight, 0, L, 0, min, 0, aux, -0.9f, 0.05f, 36, false);
            Blocks.putHalf(dst, o, d);
            Blocks.putHalf(dst, o + 2, -min[0]);
            for (int j = 0; j < 16; ++j) dst[o + 4 + j] = (byte) (L[j] | (L[j + 16] << 4));
        }
    }

    private static void reference(float[] x, int xo, byte[] dst, int o) {
        float min = Float.MAX_VALUE;
        float max = -Float.MAX_VALUE;
        for (int j = 0; j < QK; j++) {
            float v = x[xo + j];
            if (v < min) min = v;
            if (v > max) max = v;
        }
        float d = (max - min) / ((1 << 4) - 1);
        float id = d != 0 ? 1.0f / d : 0.0f;
        Blocks.putHalf(dst, o, d);
        Blocks.putHalf(dst, o + 2, min);
        for (int j = 0; j < QK / 2; ++j) {
            float x0 = (x[xo + j] - min) * id;
            float x1 = (x[xo + QK / 2 + j] - min) * id;
            int xi0 = Math.min(15, Blocks.toInt8(x0 + 0.5f));
            int xi1 = Math.min(15, Blocks.toInt8(x1 + 0.5f));
            dst[o + 4 + j] = (byte) (xi0 | (xi1 << 4));
        }
    }

    @Override
    public void dequantizeRow(byte[] src, int srcOff, float[] y, int yOff, int n) {
        for (int i = 0; i < n / QK; i++) {
            int o = srcOff + i * BYTES;
            float d = Blocks.half(src, o);
            float m = Blocks.half(src, o + 2);
            for (int j = 0; j < QK / 2; ++j) {
                int q = src[o + 4 + j] & 0xFF;
                y[yOff + i * QK + j] = (q & 0x0F) * d + m;
                y[yOff + i * QK + j + QK / 2] = (q >> 4) * d + m;
            }
        }
    }
}
