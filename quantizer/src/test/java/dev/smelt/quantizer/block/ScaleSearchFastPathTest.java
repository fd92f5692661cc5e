package dev.smelt.quantizer.block;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The float-register searches ({@code makeQkx2Pair}, make_qx_quants' paired trials) give exactly what the
 * operation-for-operation ports give ({@code makeQkx2Quants} per group, {@code makeQxQuantsGeneric}; those are
 * checked against ggml-quants.c by {@link BlockQuantizerInteropIT}) on many groups: Gaussian, outliers, one-signed,
 * constant, tiny, zero, rounding ties, non-finite.
 */
class ScaleSearchFastPathTest {
    private static final int GROUPS = 20_000;

    private static float[] group(Random r, int n, int kind) {
        float[] x = new float[n];
        double sd = Math.pow(10, -4 + r.nextInt(6));
        for (int i = 0; i < n; i++) x[i] = (float) (r.nextGaussian() * sd);
        switch (kind) {
            case 1 -> { for (int i = 0; i < 3; i++) x[r.nextInt(n)] = (float) (r.nextGaussian() * sd * 50); }
            case 2 -> { for (int i = 0; i < n; i++) x[i] = -Math.abs(x[i]) - (float) sd; }
            case 3 -> { for (int i = 0; i < n; i++) x[i] = Math.abs(x[i]) + (float) sd; }
            case 4 -> Arrays.fill(x, (float) sd);
            case 5 -> Arrays.fill(x, 0f);
            case 6 -> { for (int i = 0; i < n; i++) x[i] = (float) (r.nextGaussian() * 1e-30); }
            case 7 -> { for (int i = 0; i < n; i++) x[i] = (r.nextInt(33) - 16) * 0.5f; }
            case 8 -> x[r.nextInt(n)] = r.nextBoolean() ? Float.NaN : Float.POSITIVE_INFINITY;
            case 9 -> { x[0] = 1e-3f; for (int i = 1; i < n; i++) x[i] = -5f + 1e-6f * i; }
            default -> { }
        }
        return x;
    }

    @Test
    void qkx2PairEqualsTwoSingleSearches() {
        Random r = new Random(7);
        int[][] params = {{32, 15, 20}, {32, 31, 15}, {16, 3, 15}};
        float[][] rd = {{-1.f, 0.1f}, {-0.5f, 0.1f}, {-0.5f, 0.1f}};
        for (int g = 0; g < GROUPS; g++) {
            int p = g % params.length;
            int n = params[p][0], nmax = params[p][1], nstep = params[p][2];
            float[] a = group(r, n, r.nextInt(10));
            float[] b = group(r, n, r.nextInt(10));
            float[] x = new float[3 * n];
            System.arraycopy(a, 0, x, n / 2, n);
            System.arraycopy(b, 0, x, n / 2 + n, n);
            float[] wA = weights(r, a);
            float[] wB = weights(r, b);
            byte[] expectedL = new byte[2 * n];
            float[] expectedScales = new float[2];
            float[] expectedMins = new float[2];
            byte[] aux = new byte[n];
            expectedScales[0] = ScaleSearch.makeQkx2Quants(n, nmax, x, n / 2, wA, 0, expectedL, 0, expectedMins, 0, aux,
                    rd[p][0], rd[p][1], nstep, false);
            expectedScales[1] = ScaleSearch.makeQkx2Quants(n, nmax, x, n / 2 + n, wB, 0, expectedL, n, expectedMins, 1,
                    aux, rd[p][0], rd[p][1], nstep, false);
            byte[] L = new byte[2 * n];
            float[] scales = new float[2];
            float[] mins = new float[2];
            ScaleSearch.makeQkx2Pair(n, nmax, x, n / 2, n / 2 + n, wA, wB, L, 0, n, scales, mins, 0, 1, new float[n],
                    new float[n], aux, rd[p][0], rd[p][1], nstep);
            assertThat(L).as("group pair %d levels", g).isEqualTo(expectedL);
            assertThat(bits(scales)).as("group pair %d scales", g).isEqualTo(bits(expectedScales));
            assertThat(bits(mins)).as("group pair %d mins", g).isEqualTo(bits(expectedMins));
        }
    }

    @Test
    void qxQuantsEqualsTheGenericPort() {
        Random r = new Random(11);
        int[][] params = {{16, 32}, {16, 4}, {32, 8}, {32, 16}, {8, 32}};
        for (int g = 0; g < GROUPS; g++) {
            int[] p = params[g % params.length];
            int n = p[0], nmax = p[1];
            float[] x = group(r, n, r.nextInt(10));
            float[] qw = g % 3 == 0 ? weights(r, x) : null;
            for (int rmse = 1; rmse <= 4; rmse++) {
                if (qw != null && rmse > 1) break;
                byte[] expected = new byte[n];
                byte[] actual = new byte[n];
                float e = ScaleSearch.makeQxQuantsGeneric(n, nmax, x, 0, expected, 0, rmse, qw, 0);
                float a = ScaleSearch.makeQxQuants(n, nmax, x, 0, actual, 0, rmse, qw, 0);
                assertThat(actual).as("group %d rmse_type %d levels", g, rmse).isEqualTo(expected);
                assertThat(Float.floatToRawIntBits(a)).as("group %d rmse_type %d scale", g, rmse)
                        .isEqualTo(Float.floatToRawIntBits(e));
            }
        }
    }

    @Test
    void rowSearchEqualsTheGenericPortPerGroup() {
        Random r = new Random(13);
        QxRowSearch search = QxRowSearch.get();
        int[][] params = {{16, 32}, {16, 4}, {32, 8}, {32, 16}};
        for (int c = 0; c < GROUPS / 16; c++) {
            int[] p = params[c % params.length];
            int n = p[0], nmax = p[1];
            int groups = 1 + r.nextInt(QxRowSearch.CHUNK / n);
            int off = r.nextInt(5);
            float[] x = new float[off + groups * n];
            float[] qw = c % 3 == 0 ? new float[off + groups * n] : null;
            for (int g = 0; g < groups; g++) {
                float[] v = group(r, n, r.nextInt(10));
                System.arraycopy(v, 0, x, off + g * n, n);
                if (qw != null) System.arraycopy(weights(r, v), 0, qw, off + g * n, n);
            }
            if (qw != null && c % 7 == 0) qw[off + r.nextInt(groups * n)] = r.nextBoolean() ? Float.NaN : Float.POSITIVE_INFINITY;
            float[] scales = new float[groups + 1];
            search.search(groups, n, nmax, x, off, qw, off, scales, 1);
            for (int g = 0; g < groups; g++) {
                byte[] expected = new byte[n];
                float e = ScaleSearch.makeQxQuantsGeneric(n, nmax, x, off + g * n, expected, 0, 1, qw, off + g * n);
                byte[] actual = new byte[n + 2];
                search.levels(g, actual, 2);
                assertThat(Arrays.copyOfRange(actual, 2, n + 2)).as("chunk %d group %d levels", c, g).isEqualTo(expected);
                assertThat(Float.floatToRawIntBits(scales[1 + g])).as("chunk %d group %d scale", c, g)
                        .isEqualTo(Float.floatToRawIntBits(e));
            }
        }
    }

    private static float[] weights(Random r, float[] x) {
        float[] w = new float[x.length];
        for (int i = 0; i < x.length; i++) w[i] = r.nextInt(7) == 0 ? 0f : (float) Math.abs(r.nextGaussian()) + Math.abs(x[i]);
        return w;
    }

    private static int[] bits(float[] v) {
        int[] b = new int[v.length];
        for (int i = 0; i < v.length; i++) b[i] = Float.floatToRawIntBits(v[i]);
        return b;
    }
}
