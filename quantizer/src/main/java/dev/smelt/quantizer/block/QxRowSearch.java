package dev.smelt.quantizer.block;

/**
 * {@code make_qx_quants} with rmse_type 1 for many consecutive groups of a row at once (Q6_K's 16 groups of 16 per
 * super-block): the same float operations per group and trial scale as {@link ScaleSearch#makeQxQuantsGeneric}, in
 * the same order, arranged so the JIT can vectorize all but the sums.
 *
 * <p>Per trial scale (the first {@code -nmax/max}, then is = -9..-1, 1..9), one loop over every value of the chunk
 * computes the level and the two products C adds ({@code w·x·l} and {@code w·l·l}) into arrays: elementwise work
 * with no chain between values, which C2's superword turns into vector instructions (the levels stay floats:
 * {@code (v + 1.5·2^23) − 1.5·2^23} is {@code nearest_int} for |v| &lt; 2^22, here |v| ≤ nmax + 1, and clamping a
 * whole number with {@code Math.min/max} is exact). Then each group's two sums are added in C's order, element 0 to
 * n − 1 from 0, as separate chains per group; only these additions stay scalar. The choice between trials is made
 * per group afterwards, trial by trial in C's order with C's comparisons, and the levels are recomputed for the
 * chosen trial only (Q6_K asks only for groups it does not requantize). The chunk is copied into scratch first: C2
 * does not vectorize a loop that reads {@code x} at an offset while writing other float arrays (it cannot rule out
 * that they overlap).
 *
 * <p>Groups whose largest magnitude is below {@code GROUP_MAX_EPS} get C's early return; a group with a non-finite
 * value or weight (a NaN or infinite magnitude, or first sums that are not finite) is handled by the port. Scratch
 * is per thread and reused, since allocating it per row costs more than the search.
 */
final class QxRowSearch {
    /** Values per chunk: long enough that the vector loops run mostly in their main body. */
    static final int CHUNK = 1024;
    private static final int TRIALS = 19;
    private static final float ROUND = 12582912.f;
    private static final int ZERO = -1;
    private static final int PORT = -2;
    private static final ThreadLocal<QxRowSearch> SCRATCH = ThreadLocal.withInitial(QxRowSearch::new);

    private final float[] xs = new float[CHUNK];
    private final float[] max = new float[CHUNK];
    private final float[] w = new float[CHUNK];
    private final float[] wx = new float[CHUNK];
    private final float[] lx = new float[CHUNK];
    private final float[] l2 = new float[CHUNK];
    private final float[] sumlx = new float[TRIALS * CHUNK / 16];
    private final float[] suml2 = new float[TRIALS * CHUNK / 16];
    private final int[] chosen = new int[CHUNK / 16];
    private int n;
    private int nmax;
    private float[] x;
    private int xo;
    private float[] qw;
    private int qo;

    private QxRowSearch() {}

    static QxRowSearch get() {
        return SCRATCH.get();
    }

    /** The trial's {@code is}: 0 for the first scale, then -9..-1, 1..9 as C's loop. */
    private static int trial(int t) {
        return t == 0 ? 0 : t <= 9 ? t - 10 : t - 9;
    }

    /**
     * {@code scales[so + g] = make_qx_quants(n, nmax, x + xo + n·g, L, 1, qw ? qw + qo + n·g : NULL)} for
     * {@code g < groups} ({@code n ≥ 16}, {@code groups·n ≤ CHUNK}). Levels are not written: {@link #levels} gives
     * a group's.
     */
    void search(int groups, int n, int nmax, float[] x, int xo, float[] qw, int qo, float[] scales, int so) {
        int count = groups * n;
        this.n = n;
        this.nmax = nmax;
        this.x = x;
        this.xo = xo;
        this.qw = qw;
        this.qo = qo;
        System.arraycopy(x, xo, xs, 0, count);
        for (int g = 0; g < groups; g++) {
            // |x| as raw bits orders as |x| does, NaN above infinity: C's max is the first value of the largest |x|
            int b = g * n;
            int m = 0;
            for (int i = b; i < b + n; ++i) m = Math.max(m, Float.floatToRawIntBits(xs[i]) & 0x7fffffff);
            float mx = 1;
            if (m > 0x7f800000) {
                chosen[g] = PORT; // a NaN, which C's comparisons step over
            } else if (Float.intBitsToFloat(m) < ScaleSearch.GROUP_MAX_EPS) {
                chosen[g] = ZERO;
            } else if (m == 0x7f800000) {
                chosen[g] = PORT;
            } else {
                int i = b;
                while ((Float.floatToRawIntBits(xs[i]) & 0x7fffffff) != m) i++;
                mx = xs[i];
                chosen[g] = 0;
            }
            for (int i = b; i < b + n; ++i) max[i] = mx;
        }
        if (qw == null) {
            for (int k = 0; k < count; k++) {
                float xk = xs[k];
                float wk = xk * xk;
                w[k] = wk;
                wx[k] = wk * xk;
            }
        } else {
            for (int k = 0; k < count; k++) {
                float wk = qw[qo + k];
                w[k] = wk;
                wx[k] = wk * xs[k];
            }
        }
        for (int t = 0; t < TRIALS; t++) {
            products(count, -(nmax + 0.1f * trial(t)), -nmax, nmax - 1);
            sums(groups, n, t * groups);
        }
        for (int g = 0; g < groups; g++) {
            if (chosen[g] == ZERO) {
                scales[so + g] = 0.f;
                continue;
            }
            float sx = sumlx[g];
            float s2 = suml2[g];
            if (chosen[g] == PORT || !(Math.abs(sx) <= Float.MAX_VALUE && Math.abs(s2) <= Float.MAX_VALUE)) {
                chosen[g] = PORT;
                continue;
            }
            float scale = s2 != 0 ? sx / s2 : 0.0f;
            float best = scale * sx;
            int choice = 0;
            for (int t = 1; t < TRIALS; t++) {
                sx = sumlx[t * groups + g];
                s2 = suml2[t * groups + g];
                if (s2 > 0 && sx * sx > best * s2) {
                    choice = t;
                    scale = sx / s2;
                    best = scale * sx;
                }
            }
            scales[so + g] = scale;
            chosen[g] = choice;
        }
        for (int g = 0; g < groups; g++) {
            if (chosen[g] == PORT) {
                scales[so + g] = ScaleSearch.makeQxQuantsGeneric(n, nmax, x, xo + n * g, new byte[n], 0, 1, qw, qo + n * g);
            }
        }
    }

    /** Group g's levels (in [0, 2·nmax)) of the last {@link #search}, written to {@code L[lo..lo+n)}. */
    void levels(int g, byte[] L, int lo) {
        int c = chosen[g];
        if (c == ZERO) {
            for (int i = 0; i < n; ++i) L[lo + i] = 0;
        } else if (c == PORT) {
            ScaleSearch.makeQxQuantsGeneric(n, nmax, x, xo + n * g, L, lo, 1, qw, qo + n * g);
        } else {
            float iscale = -(nmax + 0.1f * trial(c)) / max[g * n];
            for (int i = 0; i < n; ++i) {
                int l = ScaleSearch.nearestInt(iscale * xs[g * n + i]);
                L[lo + i] = (byte) (nmax + (l < -nmax ? -nmax : l > nmax - 1 ? nmax - 1 : l));
            }
        }
    }

    /** One trial's level and products for every value (elementwise: vectorized by the JIT). */
    private void products(int count, float num, float lo, float hi) {
        float[] xs = this.xs;
        float[] max = this.max;
        float[] w = this.w;
        float[] wx = this.wx;
        float[] lx = this.lx;
        float[] l2 = this.l2;
        for (int k = 0; k < count; k++) {
            float l = Math.min(hi, Math.max(lo, ((num / max[k]) * xs[k] + ROUND) - ROUND));
            lx[k] = wx[k] * l;
            l2[k] = w[k] * l * l;
        }
    }

    /** Each group's two sums of one trial, in C's order. */
    private void sums(int groups, int n, int at) {
        float[] lx = this.lx;
        float[] l2 = this.l2;
        for (int g = 0; g < groups; g++) {
            float sx = 0;
            float s2 = 0;
            for (int i = g * n; i < g * n + n; i++) {
                sx += lx[i];
                s2 += l2[i];
            }
            sumlx[at + g] = sx;
            suml2[at + g] = s2;
        }
    }
}
