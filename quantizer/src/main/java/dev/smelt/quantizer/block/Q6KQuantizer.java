package dev.smelt.quantizer.block;

import dev.smelt.converter.gguf.GgmlType;

/**
 * Q6_K: super-blocks of 256 = 16 groups of 16 6-bit values with int8 group scales;
 * layout ql[128] (low nibbles), qh[64] (high 2 bits), scales[16], d.
 */
public final class Q6KQuantizer implements BlockQuantizer {
    static final Q6KQuantizer INSTANCE = new Q6KQuantizer();
    private static final int QK = 256;
    private static final int BYTES = 210;
    private static final int QH = 128;
    private static final int SCALES = 192;
    private static final int D = 208;

    private Q6KQuantizer() {}

    @Override
    public GgmlType type() {
        return GgmlType.Q6_K;
    }

    @Override
    public void quantizeRow(float[] x, int xOff, int n, float[] importance, byte[] dst, int dstOff) {
        byte[] L = new byte[QK];
        float[] scales = new float[QxRowSearch.CHUNK / 16];
        QxRowSearch search = QxRowSearch.get();
        for (int c = 0; c < n; c += QxRowSearch.CHUNK) {
            int count = Math.min(QxRowSearch.CHUNK, n - c);
            // make_qx_quants(16, 32, x + 16*ib, L + 16*ib, 1, qw) for every group of the chunk's super-blocks
            search.search(count / 16, 16, 32, x, xOff + c, importance, c, scales, 0);
            for (int b = 0; b < count / QK; b++) {
                block(x, xOff + c + b * QK, scales, b * (QK / 16), search, dst, dstOff + (c / QK + b) * BYTES, L);
            }
        }
    }

    /** The rest of quantize_row_q6_K_ref / _impl for one super-block whose group scales are at scales[so..]. */
    private static void block(float[] x, int xo, float[] scales, int so, QxRowSearch search, byte[] dst, int o, byte[] L) {
        float maxScale = 0;
        float maxAbsScale = 0;
        for (int ib = 0; ib < QK / 16; ++ib) {
            float scale = scales[so + ib];
            float absScale = Math.abs(scale);
            if (absScale > maxAbsScale) {
                maxAbsScale = absScale;
                maxScale = scale;
            }
        }
        if (maxAbsScale < ScaleSearch.GROUP_MAX_EPS) {
            java.util.Arrays.fill(dst, o, o + BYTES, (byte) 0);
            Blocks.putHalf(dst, o + D, 0.f);
            return;
        }
        float iscale = -128.f / maxScale;
        Blocks.putHalf(dst, o + D, 1 / iscale);
        for (int ib = 0; ib < QK / 16; ++ib) {
            dst[o + SCALES + ib] = (byte) Math.min(127, ScaleSearch.nearestInt(iscale * scales[so + ib]));
        }
        float dAll = Blocks.half(dst, o + D);
        for (int j = 0; j < QK / 16; ++j) {
            float d = dAll * dst[o + SCALES + j];
            if (d == 0) {
                // only here do the search's own levels reach the block
                search.levels(so + j, L, 16 * j);
                continue;
            }
            for (int ii = 0; ii < 16; ++ii) {
                int l = ScaleSearch.nearestInt(x[xo + 16 * j + ii] / d);
                l = Math.max(-32, Math.min(31, l));
                L[16 * j + ii] = (byte) (l + 32);
            }
        }
        int ql = o;
        int qh = o + QH;
        for (int j = 0; j < QK; j += 128) {
            for (int l = 0; l < 32; ++l) {
                int q1 = L[j + l] & 0xF;
                int q2 = L[j + l + 32] & 0xF;
                int q3 = L[j + l + 64] & 0xF;
                int q4 = L[j + l + 96] & 0xF;
                dst[ql + l] = (byte) (q1 | (q3 << 4));
                dst[ql + l + 32] = (byte) (q2 | (q4 << 4));
                dst[qh + l] = (byte) ((L[j + l] >> 4) | ((L[j + l + 32] >> 4) << 2) | ((L[j + l + 64] >> 4) << 4)
                        | ((L[j + l + 96] >> 4) << 6));
            }
            ql += 64;
            qh += 32;
        }
    }

    @Override
    public void dequantizeRow(byte[] src, int srcOff, float[] y, int yOff, int n) {
        for (int i = 0; i < n / QK; i++) {
            int o = srcOff + i * BYTES;
            float d = Blocks.half(src, o + D);
            int ql = o;
            int qh = o + QH;
            int sc = o + SCALES;
            int yi = yOff + i * QK;
            for (int nn = 0; nn < QK; nn += 128) {
                for (int l = 0; l < 32; ++l) {
                    int is = l / 16;
                    int h = src[qh + l] & 0xFF;
                    int q1 = ((src[ql + l] & 0xF) | (((h >> 0) & 3) << 4)) - 32;
                    int q2 = ((src[ql + l + 32] & 0xF) | (((h >> 2) & 3) << 4)) - 32;
                    int q3 = (((src[ql + l] & 0xFF) >> 4) | (((h >> 4) & 3) << 4)) - 32;
                    int q4 = (((src[ql + l + 32] & 0xFF) >> 4) | (((h >> 6) & 3) << 4)) - 32;
                    y[yi + l] = d * src[sc + is] * q1;
                    y[yi + l + 32] = d * src[sc + is + 2] * q2;
                    y[yi + l + 64] = d * src[sc + is + 4] * q3;
                    y[yi + l + 96] = d * src[sc + is + 6] * q4;
                }
                yi += 128;
                ql += 64;
                qh += 32;
                sc += 8;
            }
        }
    }
}
