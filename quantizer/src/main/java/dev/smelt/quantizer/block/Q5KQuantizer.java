package dev.smelt.quantizer.block;

import dev.smelt.converter.gguf.GgmlType;

/**
 * Q5_K: super-blocks of 256 = 8 groups of 32 5-bit values, each group with a 6-bit scale and 6-bit min;
 * layout d, dmin, scales[12], qh[32] (fifth bits), qs[128] (low nibbles).
 */
public final class Q5KQuantizer implements BlockQuantizer {
    static final Q5KQuantizer INSTANCE = new Q5KQuantizer();
    private static final int QK = 256;
    private static final int BYTES = 176;
    private static final int SCALES = 4;
    private static final int QH = 16;
    private static final int QS = 48;

    private Q5KQuantizer() {}

    @Override
    public GgmlType type() {
        return GgmlType.Q5_K;
    }

    @Override
    public void quantizeRow(float[] x, int xOff, int n, float[] importance, byte[] dst, int dstOff) {
        KQuantScratch s = new KQuantScratch();
        for (int i = 0; i < n / QK; i++) {
            int xo = xOff + i * QK;
            int o = dstOff + i * BYTES;
            if (importance == null) {
                s.reference(x, xo, 31, -0.5f, 0.1f, 15);
            } else {
                s.weighted(x, xo, importance, i * QK, 31);
            }
            s.storeScales(dst, o, SCALES, importance == null, true);
            s.requantize(x, xo, dst, o, SCALES, 31);
            java.util.Arrays.fill(dst, o + QH, o + QH + QK / 8, (byte) 0);
            int ql = o + QS;
            int m1 = 1, m2 = 2;
            for (int nn = 0; nn < QK; nn += 64) {
                for (int j = 0; j < 32; ++j) {
                    int l1 = s.L[nn + j];
                    if (l1 > 15) {
                        l1 -= 16;
                        dst[o + QH + j] |= (byte) m1;
                    }
                    int l2 = s.L[nn + j + 32];
                    if (l2 > 15) {
                        l2 -= 16;
                        dst[o + QH + j] |= (byte) m2;
                    }
                    dst[ql + j] = (byte) (l1 | (l2 << 4));
                }
                m1 <<= 2;
                m2 <<= 2;
                ql += 32;
            }
        }
    }

    @Override
    public void dequantizeRow(byte[] src, int srcOff, float[] y, int yOff, int n) {
        int yi = yOff;
        for (int i = 0; i < n / QK; i++) {
            int o = srcOff + i * BYTES;
            float d = Blocks.half(src, o);
            float min = Blocks.half(src, o + 2);
            int ql = o + QS;
            int is = 0;
            int u1 = 1, u2 = 2;
            for (int j = 0; j < QK; j += 64) {
                float d1 = d * ScaleMin6.scale(src, o + SCALES, is);
                float m1 = min * ScaleMin6.min(src, o + SCALES, is);
                float d2 = d * ScaleMin6.scale(src, o + SCALES, is + 1);
                float m2 = min * ScaleMin6.min(src, o + SCALES, is + 1);
                for (int l = 0; l < 32; ++l) {
                    y[yi++] = d1 * ((src[ql + l] & 0xF) + ((src[o + QH + l] & u1) != 0 ? 16 : 0)) - m1;
                }
                for (int l = 0; l < 32; ++l) {
                    y[yi++] = d2 * (((src[ql + l] & 0xFF) >> 4) + ((src[o + QH + l] & u2) != 0 ? 16 : 0)) - m2;
                }
                ql += 32;
                is += 2;
                u1 <<= 2;
                u2 <<= 2;
            }
        }
    }
}
