package dev.smelt.quantizer.block;

import dev.smelt.converter.gguf.GgmlType;

/**
 * Q4_K: super-blocks of 256 = 8 groups of 32 4-bit values, each group with a 6-bit scale and 6-bit min;
 * layout d, dmin, scales[12], qs[128].
 */
public final class Q4KQuantizer implements BlockQuantizer {
    static final Q4KQuantizer INSTANCE = new Q4KQuantizer();
    private static final int QK = 256;
    private static final int BYTES = 144;
    private static final int SCALES = 4;
    private static final int QS = 16;

    private Q4KQuantizer() {}

    @Override
    public GgmlType type() {
        return GgmlType.Q4_K;
    }

    @Override
    public void quantizeRow(float[] x, int xOff, int n, float[] importance, byte[] dst, int dstOff) {
        KQuantScratch s = new KQuantScratch();
        for (int i = 0; i < n / QK; i++) {
            int xo = xOff + i * QK;
            int o = dstOff + i * BYTES;
            if (importance == null) {
                s.reference(x, xo, 15, -1.f, 0.1f, 20);
            } else {
                s.weighted(x, xo, importance, i * QK, 15);
            }
            s.storeScales(dst, o, SCALES, importance == null, false);
            s.requantize(x, xo, dst, o, SCALES, 15);
            int q = o + QS;
            for (int j = 0; j < QK; j += 64) {
                for (int l = 0; l < 32; ++l) dst[q + l] = (byte) (s.L[j + l] | (s.L[j + l + 32] << 4));
                q += 32;
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
            int q = o + QS;
            int is = 0;
            for (int j = 0; j < QK; j += 64) {
                float d1 = d * ScaleMin6.scale(src, o + SCALES, is);
                float m1 = min * ScaleMin6.min(src, o + SCALES, is);
                float d2 = d * ScaleMin6.scale(src, o + SCALES, is + 1);
                float m2 = min * ScaleMin6.min(src, o + SCALES, is + 1);
                for (int l = 0; l < 32; ++l) y[yi++] = d1 * (src[q + l] & 0xF) - m1;
                for (int l = 0; l < 32; ++l) y[yi++] = d2 * ((src[q + l] & 0xFF) >> 4) - m2;
                q += 32;
                is += 2;
            }
        }
    }
}
