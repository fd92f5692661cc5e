package dev.smelt.quantizer.block;

import dev.smelt.converter.gguf.GgmlType;

/**
 * Q2_K: super-blocks of 256 = 16 groups of 16 2-bit values, each group with a 4-bit scale and 4-bit min;
 * layout scales[16], qs[64], d, dmin.
 */
public final class Q2KQuantizer implements BlockQuantizer {
    static final Q2KQuantizer INSTANCE = new Q2KQuantizer();
    private static final int QK = 256;
    private static final int BYTES = 84;
    private static final int QS = 16;
    private static final int D = 80;

    private Q2KQuantizer() {}

    @Override
    public GgmlType type() {
        return GgmlType.Q2_K;
    }

    @Override
    public void quantizeRow(float[] x, int xOff, int n, float[] importance, byte[] dst, int dstOff) {
        byte[] L = new byte[QK];
        byte[] aux = new byte[16];
        float[] weights = new float[16];
        float[] mins = new float[QK / 16];
        float[] scales = new float[QK / 16];
        float[] sw = new float[QK / 16];
        byte[] ls = new byte[QK / 16];
        byte[] lm = new byte[QK / 16];
        for (int i = 0; i < n / QK; i++) {
            int xo = xOff + i * QK;
            int o = dstOff + i * BYTES;
            if (importance == null) {
                reference(x, xo, dst, o, L, aux, weights, mins, scales);
            } else {
                weighted(x, xo, importance, i * QK, dst, o, L, aux, weights, mins, scales, sw, ls, lm);
            }
        }
    }

    private static void reference(float[] x, int xo, byte[] y, int o, byte[] L, byte[] aux, float[] weights,
            float[] mins, float[] scales) {
        final float q4scale = 15.f;
        float maxScale = 0;
        float maxMin = 0;
        for (int j = 0; j < QK / 16; ++j) {
            for (int l = 0; l < 16; ++l) weights[l] = Math.abs(x[xo + 16 * j + l]);
            scales[j] = ScaleSearch.makeQkx2Quants(16, 3, x, xo + 16 * j, weights, 0, L, 16 * j, mins, j, aux,
                    -0.5f, 0.1f, 15, true);
            if (scales[j] > maxScale) maxScale = scales[j];
            if (mins[j] > maxMin) maxMin = mins[j];
        }
        if (maxScale > 0) {
            float iscale = q4scale / maxScale;
            for (int j = 0; j < QK / 16; ++j) y[o + j] = (byte) ScaleSearch.nearestInt(iscale * scales[j]);
            Blocks.putHalf(y, o + D, maxScale / q4scale);
        } else {
            for (int j = 0; j < QK / 16; ++j) y[o + j] = 0;
            Blocks.putHalf(y, o + D, 0.f);
        }
        if (maxMin > 0) {
            float iscale = q4scale / maxMin;
            for (int j = 0; j < QK / 16; ++j) {
                int l = ScaleSearch.nearestInt(iscale * mins[j]);
                y[o + j] |= (byte) (l << 4);
            }
            Blocks.putHalf(y, o + D + 2, maxMin / q4scale);
        } else {
            Blocks.putHalf(y, o + D + 2, 0.f);
        }
        requantize(x, xo, y, o, L);
        pack(L, y, o);
    }

    private static void weighted(float[] x, int xo, float[] qw, int qo, byte[] y, int o, byte[] L, byte[] aux,
            float[] weight, float[] mins, float[] scales, float[] sw, byte[] ls, byte[] lm) {
        java.util.Arrays.fill(sw, 0);
        float sumx2 = BlockQuantizer.sumOfSquares(x, xo, QK);
        float sigma2 = sumx2 / QK;
        for (int j = 0; j < QK / 16; ++j) {
            for (int l = 0; l < 16; ++l) {
                float xv = x[xo + 16 * j + l];
                weight[l] = qw[qo + 16 * j + l] * (float) Math.sqrt(sigma2 + xv * xv);
            }
            for (int l = 0; l < QK / 16; ++l) sw[j] += weight[l];
            scales[j] = ScaleSearch.makeQkx3Quants(16, 3, x, xo + 16 * j, weight, 0, L, 16 * j, mins, j, aux,
                    -0.9f, 0.05f, 36, false);
        }
        float dm = ScaleSearch.makeQpQuants(QK / 16, 15, scales, ls, sw);
        float mm = ScaleSearch.makeQpQuants(QK / 16, 15, mins, lm, sw);
        Blocks.putHalf(y, o + D, dm);
        Blocks.putHalf(y, o + D + 2, mm);
        for (int j = 0; j < QK / 16; ++j) y[o + j] = (byte) (ls[j] | (lm[j] << 4));
        requantize(x, xo, y, o, L);
        pack(L, y, o);
    }

    /** Recomputes the 2-bit levels against the stored (fp16-rounded) scales and mins. */
    private static void requantize(float[] x, int xo, byte[] y, int o, byte[] L) {
        float dAll = Blocks.half(y, o + D);
        float mAll = Blocks.half(y, o + D + 2);
        for (int j = 0; j < QK / 16; ++j) {
            int sc = y[o + j] & 0xFF;
            float d = dAll * (sc & 0xF);
            if (d == 0) continue;
            float dm = mAll * (sc >> 4);
            for (int ii = 0; ii < 16; ++ii) {
                int l = ScaleSearch.nearestInt((x[xo + 16 * j + ii] + dm) / d);
                L[16 * j + ii] = (byte) Math.max(0, Math.min(3, l));
            }
        }
    }

    private static void pack(byte[] L, byte[] y, int o) {
        for (int j = 0; j < QK; j += 128) {
            for (int l = 0; l < 32; ++l) {
                y[o + QS + j / 4 + l] = (byte) (L[j + l] | (L[j + l + 32] << 2) | (L[j + l + 64] << 4) | (L[j + l + 96] << 6));
            }
        }
    }

    @Override
    public void dequantizeRow(byte[] src, int srcOff, float[] y, int yOff, int n) {
        int yi = yOff;
        for (int i = 0; i < n / QK; i++) {
            int o = srcOff + i * BYTES;
            float d = Blocks.half(src, o + D);
            float min = Blocks.half(src, o + D + 2);
            int q = o + QS;
            int is = 0;
            for (int nn = 0; nn < QK; nn += 128) {
                int shift = 0;
                for (int j = 0; j < 4; ++j) {
                    int sc = src[o + is++] & 0xFF;
                    float dl = d * (sc & 0xF), ml = min * (sc >> 4);
                    for (int l = 0; l < 16; ++l) y[yi++] = dl * (((src[q + l] & 0xFF) >> shift) & 3) - ml;
                    sc = src[o + is++] & 0xFF;
                    dl = d * (sc & 0xF);
                    ml = min * (sc >> 4);
                    for (int l = 0; l < 16; ++l) y[yi++] = dl * (((src[q + l + 16] & 0xFF) >> shift) & 3) - ml;
                    shift += 2;
                }
                q += 32;
            }
        }
    }
}
