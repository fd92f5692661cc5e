package dev.smelt.quantizer.block;

import dev.smelt.converter.gguf.GgmlType;

/** Q5_1: blocks of 32 5-bit values with fp16 scale and min; layout d, m, qh (u32), qs[16]. */
public final class Q5_1Quantizer implements BlockQuantizer {
    static final Q5_1Quantizer INSTANCE = new Q5_1Quantizer();
    private static final int QK = 32;
    private static final int BYTES = 24;

    private Q5_1Quantizer() {}

    @Override
    public GgmlType type() {
        return GgmlType.Q5_1;
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
            float d = ScaleSearch.makeQkx3Quants(QK, 31, x, xb, weight, 0, L, 0, min, 0, aux, -0.9f, 0.05f, 36, false);
            Blocks.putHalf(dst, o, d);
            Blocks.putHalf(dst, o + 2, -min[0]);
            Q5_0Quantizer.pack(L, dst, o + 2);
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
        float d = (max - min) / ((1 << 5) - 1);
        float id = d != 0 ? 1.0f / d : 0.0f;
        Blocks.putHalf(dst, o, d);
        Blocks.putHalf(dst, o + 2, min);
        int qh = 0;
        for (int j = 0; j < QK / 2; ++j) {
            float x0 = (x[xo + j] - min) * id;
            float x1 = (x[xo + QK / 2 + j] - min) * id;
            int xi0 = Blocks.toUInt8(x0 + 0.5f);
            int xi1 = Blocks.toUInt8(x1 + 0.5f);
            dst[o + 8 + j] = (byte) ((xi0 & 0x0F) | ((xi1 & 0x0F) << 4));
            qh |= ((xi0 & 0x10) >> 4) << j;
            qh |= ((xi1 & 0x10) >> 4) << (j + QK / 2);
        }
        Blocks.putU32(dst, o + 4, qh);
    }

    @Override
    public void dequantizeRow(byte[] src, int srcOff, float[] y, int yOff, int n) {
        for (int i = 0; i < n / QK; i++) {
            int o = srcOff + i * BYTES;
            float d = Blocks.half(src, o);
            float m = Blocks.half(src, o + 2);
            int qh = Blocks.u32(src, o + 4);
            for (int j = 0; j < QK / 2; ++j) {
                int xh0 = ((qh >>> j) << 4) & 0x10;
                int xh1 = (qh >>> (j + 12)) & 0x10;
                int q = src[o + 8 + j] & 0xFF;
                y[yOff + i * QK + j] = ((q & 0x0F) | xh0) * d + m;
                y[yOff + i * QK + j + QK / 2] = ((q >> 4) | xh1) * d + m;
            }
        }
    }
}
