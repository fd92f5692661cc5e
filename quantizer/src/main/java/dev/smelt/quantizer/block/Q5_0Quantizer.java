package dev.smelt.quantizer.block;

import dev.smelt.converter.gguf.GgmlType;

/** Q5_0: blocks of 32 5-bit values (offset 16) with one fp16 scale; layout d, qh (u32 of 5th bits), qs[16]. */
public final class Q5_0Quantizer implements BlockQuantizer {
    static final Q5_0Quantizer INSTANCE = new Q5_0Quantizer();
    private static final int QK = 32;
    private static final int BYTES = 22;

    private Q5_0Quantizer() {}

    @Override
    public GgmlType type() {
        return GgmlType.Q5_0;
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
        for (int ib = 0; ib < n / QK; ++ib) {
            int xb = xOff + QK * ib;
            int o = dstOff + ib * BYTES;
            for (int j = 0; j < QK; ++j) {
                weight[j] = importance[QK * ib + j] * (float) Math.sqrt(sigma2 + x[xb + j] * x[xb + j]);
            }
            float d = ScaleSearch.makeQxQuants(QK, 16, x, xb, L, 0, 1, weight, 0);
            Blocks.putHalf(dst, o, d);
            pack(L, dst, o);
        }
    }

    /** Stores 32 levels in [0, 32): low nibbles in qs, fifth bits in qh. */
    static void pack(byte[] L, byte[] dst, int o) {
        int qh = 0;
        for (int j = 0; j < 16; ++j) {
            int xi0 = L[j] & 0xFF;
            int xi1 = L[j + 16] & 0xFF;
            dst[o + 6 + j] = (byte) ((xi0 & 0x0F) | ((xi1 & 0x0F) << 4));
            qh |= ((xi0 & 0x10) >> 4) << j;
            qh |= ((xi1 & 0x10) >> 4) << (j + 16);
        }
        Blocks.putU32(dst, o + 2, qh);
    }

    private static void reference(float[] x, int xo, byte[] dst, int o) {
        float max = Blocks.firstLargestMagnitude(x, xo, QK);
        float d = max / -16;
        float id = d != 0 ? 1.0f / d : 0.0f;
        Blocks.putHalf(dst, o, d);
        int qh = 0;
        for (int j = 0; j < QK / 2; ++j) {
            float x0 = x[xo + j] * id;
            float x1 = x[xo + QK / 2 + j] * id;
            int xi0 = Math.min(31, Blocks.toInt8(x0 + 16.5f)) & 0xFF;
            int xi1 = Math.min(31, Blocks.toInt8(x1 + 16.5f)) & 0xFF;
            dst[o + 6 + j] = (byte) ((xi0 & 0x0F) | ((xi1 & 0x0F) << 4));
            qh |= ((xi0 & 0x10) >> 4) << j;
            qh |= ((xi1 & 0x10) >> 4) << (j + QK / 2);
        }
        Blocks.putU32(dst, o + 2, qh);
    }

    @Override
    public void dequantizeRow(byte[] src, int srcOff, float[] y, int yOff, int n) {
        for (int i = 0; i < n / QK; i++) {
            int o = srcOff + i * BYTES;
            float d = Blocks.half(src, o);
            int qh = Blocks.u32(src, o + 2);
            for (int j = 0; j < QK / 2; ++j) {
                int xh0 = ((qh >>> j) << 4) & 0x10;
                int xh1 = (qh >>> (j + 12)) & 0x10;
                int q = src[o + 6 + j] & 0xFF;
                y[yOff + i * QK + j] = (((q & 0x0F) | xh0) - 16) * d;
                y[yOff + i * QK + j + QK / 2] = (((q >> 4) | xh1) - 16) * d;
            }
        }
    }
}
