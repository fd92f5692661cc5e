package dev.smelt.quantizer.block;

import dev.smelt.converter.gguf.GgmlType;

/**
 * Q3_K: super-blocks of 256 = 16 groups of 16 3-bit values with 6-bit signed group scales;
 * layout hmask[32] (high bits), qs[64] (low 2 bits), scales[12], d.
 */
public final class Q3KQuantizer implements BlockQuantizer {
    static final Q3KQuantizer INSTANCE = new Q3KQuantizer();
    private static final int QK = 256;
    private static final int BYTES = 110;
    private static final int QS = 32;
    private static final int SCALES = 96;
    private static final int D = 108;

    private Q3KQuantizer() {}

    @Override
    public GgmlType type() {
        return GgmlType.Q3_K;
    }

    @Override
    public void quantizeRow(float[] x, int xOff, int n, float[] importance, byte[] dst, int dstOff) {
        byte[] L = new byte[QK];
        float[] scales = new float[QK / 16];
        float[] weight = new float[16];
        float[] sw = new float[QK / 16];
        byte[] ls = new byte[QK / 16];
        for (int i = 0; i < n / QK; i++) {
            int xo = xOff + i * QK;
            int o = dstOff + i * BYTES;
            if (importance == null) {
                reference(x, xo, dst, o, L, scales);
            } else {
                weighted(x, xo, importance, i * QK, dst, o, L, scales, weight, sw, ls);
            }
            requantizeAndPack(x, xo, dst, o, L);
        }
    }

    private static void reference(float[] x, int xo, byte[] y, int o, byte[] L, float[] scales) {
        float maxScale = 0;
        float amax = 0;
        for (int j = 0; j < QK / 16; ++j) {
            scales[j] = ScaleSearch.makeQ3Quants(16, 4, x, xo + 16 * j, L, 16 * j, true);
            float scale = Math.abs(scales[j]);
            if (scale > amax) {
                amax = scale;
                maxScale = scales[j];
            }
        }
        java.util.Arrays.fill(y, o + SCALES, o + SCALES + 12, (byte) 0);
        if (maxScale != 0) {
            float iscale = -32.f / maxScale;
            for (int j = 0; j < QK / 16; ++j) {
                int l = (byte) ScaleSearch.nearestInt(iscale * scales[j]);
                l = Math.max(-32, Math.min(31, l)) + 32;
                putScale(y, o, j, l);
            }
            Blocks.putHalf(y, o + D, 1 / iscale);
        } else {
            Blocks.putHalf(y, o + D, 0.f);
        }
    }

    private static void weighted(float[] x, int xo, float[] qw, int qo, byte[] y, int o, byte[] L, float[] scales,
            float[] weight, float[] sw, byte[] ls) {
        float sumx2 = BlockQuantizer.sumOfSquares(x, xo, QK);
        float sigma2 = 2 * sumx2 / QK;
        for (int j = 0; j < QK / 16; ++j) {
            for (int l = 0; l < 16; ++l) {
                float xv = x[xo + 16 * j + l];
                weight[l] = qw[qo + 16 * j + l] * (float) Math.sqrt(sigma2 + xv * xv);
            }
            float sumw = 0;
            for (int l = 0; l < 16; ++l) sumw += weight[l];
            sw[j] = sumw;
            scales[j] = ScaleSearch.makeQxQuants(16, 4, x, xo + 16 * j, L, 16 * j, 1, weight, 0);
        }
        java.util.Arrays.fill(y, o + SCALES, o + SCALES + 12, (byte) 0);
        float dBlock = ScaleSearch.makeQxQuants(QK / 16, 32, scales, 0, ls, 0, 1, sw, 0);
        for (int j = 0; j < QK / 16; ++j) putScale(y, o, j, ls[j]);
        Blocks.putHalf(y, o + D, dBlock);
    }

    /** Packs 6-bit scale j (0..63): low nibbles in scales[0..7], high 2 bits in scales[8..11]. */
    private static void putScale(byte[] y, int o, int j, int l) {
        int s = o + SCALES;
        if (j < 8) {
            y[s + j] = (byte) (l & 0xF);
        } else {
            y[s + j - 8] |= (byte) ((l & 0xF) << 4);
        }
        l >>= 4;
        y[s + j % 4 + 8] |= (byte) (l << (2 * (j / 4)));
    }

    private static int scale(byte[] y, int o, int j) {
        int s = o + SCALES;
        int sc = j < 8 ? (y[s + j] & 0xF) : ((y[s + j - 8] & 0xFF) >> 4);
        return (sc | ((((y[s + 8 + j % 4] & 0xFF) >> (2 * (j / 4))) & 3) << 4)) - 32;
    }

    private static void requantizeAndPack(float[] x, int xo, byte[] y, int o, byte[] L) {
        float dAll = Blocks.half(y, o + D);
        for (int j = 0; j < QK / 16; ++j) {
            float d = dAll * scale(y, o, j);
            if (d == 0) continue;
            for (int ii = 0; ii < 16; ++ii) {
                int l = ScaleSearch.nearestInt(x[xo + 16 * j + ii] / d);
                l = Math.max(-4, Math.min(3, l));
                L[16 * j + ii] = (byte) (l + 4);
            }
        }
        java.util.Arrays.fill(y, o, o + QK / 8, (byte) 0);
        int m = 0;
        int hm = 1;
        for (int j = 0; j < QK; ++j) {
            if (L[j] > 3) {
                y[o + m] |= (byte) hm;
                L[j] -= 4;
            }
            if (++m == QK / 8) {
                m = 0;
                hm <<= 1;
            }
        }
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
            float dAll = Blocks.half(src, o + D);
            int q = o + QS;
            int m = 1;
            int is = 0;
            for (int nn = 0; nn < QK; nn += 128) {
                int shift = 0;
                for (int j = 0; j < 4; ++j) {
                    float dl = dAll * scale(src, o, is++);
                    for (int l = 0; l < 16; ++l) {
                        y[yi++] = dl * ((((src[q + l] & 0xFF) >> shift) & 3) - ((src[o + l] & m) != 0 ? 0 : 4));
                    }
                    dl = dAll * scale(src, o, is++);
                    for (int l = 0; l < 16; ++l) {
                        y[yi++] = dl * ((((src[q + l + 16] & 0xFF) >> shift) & 3) - ((src[o + l + 16] & m) != 0 ? 0 : 4));
                    }
                    shift += 2;
                    m <<= 1;
                }
                q += 32;
            }
        }
    }
}
