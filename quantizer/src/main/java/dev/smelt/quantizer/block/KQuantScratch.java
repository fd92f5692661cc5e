package dev.smelt.quantizer.block;

/**
 * Per-call state shared by Q4_K and Q5_K, whose quantizers differ only in the level count (15 or 31), the
 * reference search parameters and how levels are packed: the group scale/min search, the 6-bit scale
 * packing and the requantization against the stored scales.
 */
final class KQuantScratch {
    private static final int QK = 256;
    final byte[] L = new byte[QK];
    private final byte[] aux = new byte[32];
    private final byte[] ls = new byte[QK / 32];
    private final byte[] lm = new byte[QK / 32];
    private final float[] weights = new float[32];
    private final float[] weightsB = new float[32];
    private final float[] auxA = new float[32];
    private final float[] auxB = new float[32];
    private final float[] sw = new float[QK / 32];
    private final float[] mins = new float[QK / 32];
    private final float[] scales = new float[QK / 32];
    private float maxScale;
    private float maxMin;
    private float dBlock;
    private float mBlock;

    /** quantize_row_q{4,5}_K_ref's group search (make_qkx2_quants with av_x + |x| weights). */
    void reference(float[] x, int xo, int nmax, float rmin, float rdelta, int nstep) {
        maxScale = 0;
        maxMin = 0;
        // groups two at a time (ScaleSearch.makeQkx2Pair: the same operations per group, run side by side)
        for (int j = 0; j < QK / 32; j += 2) {
            avWeights(x, xo + 32 * j, weights);
            avWeights(x, xo + 32 * (j + 1), weightsB);
            ScaleSearch.makeQkx2Pair(32, nmax, x, xo + 32 * j, xo + 32 * (j + 1), weights, weightsB, L, 32 * j,
                    32 * (j + 1), scales, mins, j, j + 1, auxA, auxB, aux, rmin, rdelta, nstep);
        }
        for (int j = 0; j < QK / 32; ++j) {
            if (scales[j] > maxScale) maxScale = scales[j];
            if (mins[j] > maxMin) maxMin = mins[j];
        }
    }

    /** quantize_row_q{4,5}_K_ref's weights of one group of 32: av_x + |x|, av_x the group's root mean square. */
    private static void avWeights(float[] x, int xo, float[] w) {
        float sumX2 = 0;
        for (int l = 0; l < 32; ++l) sumX2 += x[xo + l] * x[xo + l];
        float avX = (float) Math.sqrt(sumX2 / 32);
        for (int l = 0; l < 32; ++l) w[l] = avX + Math.abs(x[xo + l]);
    }

    /** quantize_row_q{4,5}_K_impl's search: make_qkx3_quants per group, make_qp_quants for the scales. */
    void weighted(float[] x, int xo, float[] qw, int qo, int nmax) {
        float sumX2 = BlockQuantizer.sumOfSquares(x, xo, QK);
        float sigma2 = 2 * sumX2 / QK;
        for (int j = 0; j < QK / 32; ++j) {
            for (int l = 0; l < 32; ++l) {
                float xv = x[xo + 32 * j + l];
                weights[l] = qw[qo + 32 * j + l] * (float) Math.sqrt(sigma2 + xv * xv);
            }
            float sumw = 0;
            for (int l = 0; l < 32; ++l) sumw += weights[l];
            sw[j] = sumw;
            scales[j] = ScaleSearch.makeQkx3Quants(32, nmax, x, xo + 32 * j, weights, 0, L, 32 * j, mins, j, aux,
                    -0.9f, 0.05f, 36, false);
        }
        dBlock = ScaleSearch.makeQpQuants(QK / 32, 63, scales, ls, sw);
        mBlock = ScaleSearch.makeQpQuants(QK / 32, 63, mins, lm, sw);
    }

    /**
     * Writes d, dmin (at o, o+2) and the packed 6-bit scales/mins (at o+scalesAt). {@code clampWeighted}:
     * Q5_K's weighted path clamps the searched levels to 63 before packing, Q4_K's does not.
     */
    void storeScales(byte[] y, int o, int scalesAt, boolean reference, boolean clampWeighted) {
        if (reference) {
            float invScale = maxScale > 0 ? 63.f / maxScale : 0.f;
            float invMin = maxMin > 0 ? 63.f / maxMin : 0.f;
            for (int j = 0; j < QK / 32; ++j) {
                int lsj = ScaleSearch.nearestInt(invScale * scales[j]) & 0xFF;
                int lmj = ScaleSearch.nearestInt(invMin * mins[j]) & 0xFF;
                ScaleMin6.put(y, o + scalesAt, j, Math.min(63, lsj), Math.min(63, lmj));
            }
            Blocks.putHalf(y, o, maxScale / 63.f);
            Blocks.putHalf(y, o + 2, maxMin / 63.f);
        } else {
            for (int j = 0; j < QK / 32; ++j) {
                int lsj = ls[j] & 0xFF;
                int lmj = lm[j] & 0xFF;
                if (clampWeighted) {
                    lsj = Math.min(63, lsj);
                    lmj = Math.min(63, lmj);
                }
                ScaleMin6.put(y, o + scalesAt, j, lsj, lmj);
            }
            Blocks.putHalf(y, o, dBlock);
            Blocks.putHalf(y, o + 2, mBlock);
        }
    }

    /** Recomputes levels in [0, nmax] against the stored scales; groups whose scale is 0 keep the search's levels. */
    void requantize(float[] x, int xo, byte[] y, int o, int scalesAt, int nmax) {
        float dAll = Blocks.half(y, o);
        float mAll = Blocks.half(y, o + 2);
        for (int j = 0; j < QK / 32; ++j) {
            float d = dAll * ScaleMin6.scale(y, o + scalesAt, j);
            if (d == 0) continue;
            float dm = mAll * ScaleMin6.min(y, o + scalesAt, j);
            for (int ii = 0; ii < 32; ++ii) {
                int l = ScaleSearch.nearestInt((x[xo + 32 * j + ii] + dm) / d);
                L[32 * j + ii] = (byte) Math.max(0, Math.min(nmax, l));
            }
        }
    }
}
