package dev.smelt.quantizer.block;

/**
 * The search behind IQ4_NL and IQ4_XS ({@code quantize_row_iq4_nl_impl} with ntry = 7, which is what
 * {@code quantize_iq4_nl}/{@code quantize_iq4_xs} use with and without an importance matrix): 4-bit indices
 * into a fixed non-linear table, per 32-value block scale, and for IQ4_XS a 6-bit scale per block under an
 * fp16 super-block scale.
 */
final class NonLinear4 {
    private NonLinear4() {}

    static final byte[] VALUES = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};
    private static final int NTRY = 7;
    private static final int BLOCK = 32;

    /**
     * Quantizes {@code superBlock} values (32 for IQ4_NL, 256 for IQ4_XS) at {@code x[xo]}. Writes d at
     * {@code y[dAt]}, the packed indices at {@code y[qsAt]} and, for IQ4_XS, scales_h (u16) at
     * {@code y[scalesHAt]} and scales_l at {@code y[scalesHAt + 2]}.
     */
    static void quantize(int superBlock, float[] x, int xo, float[] qw, int qo, byte[] y, int dAt, int qsAt,
            int scalesHAt, float[] scales, float[] weight, byte[] L) {
        float sigma2 = 0;
        for (int j = 0; j < superBlock; ++j) sigma2 += x[xo + j] * x[xo + j];
        sigma2 *= 2.f / superBlock;

        java.util.Arrays.fill(y, qsAt, qsAt + superBlock / 2, (byte) 0);
        Blocks.putHalf(y, dAt, 0.f);

        float maxScale = 0, amaxScale = 0;
        int nb = superBlock / BLOCK;
        for (int ib = 0; ib < nb; ++ib) {
            int xb = xo + ib * BLOCK;
            int lb = ib * BLOCK;
            if (qw != null) {
                for (int j = 0; j < BLOCK; ++j) {
                    weight[j] = qw[qo + ib * BLOCK + j] * (float) Math.sqrt(sigma2 + x[xb + j] * x[xb + j]);
                }
            } else {
                for (int j = 0; j < BLOCK; ++j) weight[j] = x[xb + j] * x[xb + j];
            }
            float amax = 0, max = 0;
            for (int j = 0; j < BLOCK; ++j) {
                float ax = Math.abs(x[xb + j]);
                if (ax > amax) {
                    amax = ax;
                    max = x[xb + j];
                }
            }
            if (amax < ScaleSearch.GROUP_MAX_EPS) {
                scales[ib] = 0;
                continue;
            }
            float d = -max / VALUES[0];
            float id = 1 / d;
            float sumqx = 0, sumq2 = 0;
            for (int j = 0; j < BLOCK; ++j) {
                float al = id * x[xb + j];
                int l = ScaleSearch.bestIndexInt8(16, VALUES, al);
                L[lb + j] = (byte) l;
                float q = VALUES[l];
                float w = weight[j];
                sumqx += w * q * x[xb + j];
                sumq2 += w * q * q;
            }
            d = sumq2 > 0 ? sumqx / sumq2 : 0.f;
            float best = d * sumqx;
            for (int itry = -NTRY; itry <= NTRY; ++itry) {
                id = (itry + VALUES[0]) / max;
                sumqx = sumq2 = 0;
                for (int j = 0; j < BLOCK; ++j) {
                    float al = id * x[xb + j];
                    int l = ScaleSearch.bestIndexInt8(16, VALUES, al);
                    float q = VALUES[l];
                    float w = weight[j];
                    sumqx += w * q * x[xb + j];
                    sumq2 += w * q * q;
                }
                if (sumq2 > 0 && sumqx * sumqx > best * sumq2) {
                    d = sumqx / sumq2;
                    best = d * sumqx;
                }
            }
            scales[ib] = d;
            float absD = Math.abs(d);
            if (absD > amaxScale) {
                amaxScale = absD;
                maxScale = d;
            }
        }

        if (nb > 1) {
            int scalesH = 0;
            int scalesL = scalesHAt + 2;
            float d = -maxScale / 32;
            Blocks.putHalf(y, dAt, d);
            float id = d != 0 ? 1 / d : 0.f;
            for (int ib = 0; ib < nb; ++ib) {
                int l = ScaleSearch.nearestInt(id * scales[ib]);
                l = Math.max(-32, Math.min(31, l));
                float dl = d * l;
                float idl = dl != 0 ? 1 / dl : 0.f;
                int xb = xo + ib * BLOCK;
                for (int j = 0; j < BLOCK; ++j) L[ib * BLOCK + j] = (byte) ScaleSearch.bestIndexInt8(16, VALUES, idl * x[xb + j]);
                l += 32;
                int lLow = l & 0xf;
                int lHigh = l >> 4;
                if (ib % 2 == 0) y[scalesL + ib / 2] = (byte) lLow;
                else y[scalesL + ib / 2] |= (byte) (lLow << 4);
                scalesH |= lHigh << 2 * (ib % 8);
            }
            y[scalesHAt] = (byte) scalesH;
            y[scalesHAt + 1] = (byte) (scalesH >> 8);
        } else {
            Blocks.putHalf(y, dAt, scales[0]);
            float id = scales[0] != 0 ? 1 / scales[0] : 0;
            for (int j = 0; j < superBlock; ++j) L[j] = (byte) ScaleSearch.bestIndexInt8(16, VALUES, id * x[xo + j]);
        }

        for (int i = 0; i < superBlock / 32; ++i) {
            for (int j = 0; j < 16; ++j) {
                y[qsAt + 16 * i + j] = (byte) (L[32 * i + j] | (L[32 * i + 16 + j] << 4));
            }
        }
    }
}
