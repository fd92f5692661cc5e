package dev.smelt.models.qwen35;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.Random;
import org.junit.jupiter.api.Test;

class GatedDeltaRuleTest {
    private static final int B = 2, H = 3, DK = 8, DV = 6;

    /** Random normalised q/k, decays spanning weak to strong, betas in (0, 1). */
    private record Inputs(NDArray q, NDArray k, NDArray v, NDArray g, NDArray beta, NDArray state) {}

    private static Inputs inputs(NDManager m, int t, long seed, boolean withState) {
        m.getEngine().setRandomSeed((int) seed);
        NDArray q = l2(m.randomNormal(new Shape(B, t, H, DK))).mul(1 / Math.sqrt(DK));
        NDArray k = l2(m.randomNormal(new Shape(B, t, H, DK)));
        NDArray v = m.randomNormal(new Shape(B, t, H, DV));
        // g = -exp(A)·softplus(x): A in [-3, 2] gives per-token decays from ~0.99 down to ~1e-3.
        NDArray g = m.randomUniform(-3, 2, new Shape(1, 1, H)).exp().neg()
                .mul(m.randomNormal(new Shape(B, t, H)).exp().add(1).log());
        NDArray beta = m.randomNormal(new Shape(B, t, H)).getNDArrayInternal().sigmoid();
        NDArray s = withState ? m.randomNormal(new Shape(B, H, DK, DV)) : null;
        return new Inputs(q, k, v, g, beta, s);
    }

    private static NDArray l2(NDArray x) {
        return x.mul(x.square().sum(new int[] {-1}, true).add(1e-6f).pow(-0.5f));
    }

    @Test
    void recurrentMatchesAPlainJavaRecurrence() {
        try (NDManager m = NDManager.newBaseManager()) {
            Inputs in = inputs(m, 9, 1, true);
            GatedDeltaRule.Result r = GatedDeltaRule.recurrent(in.q, in.k, in.v, in.g, in.beta, in.state);
            float[] q = in.q.toFloatArray(), k = in.k.toFloatArray(), v = in.v.toFloatArray();
            float[] g = in.g.toFloatArray(), beta = in.beta.toFloatArray(), s0 = in.state.toFloatArray();
            float[] out = r.output().toFloatArray(), sOut = r.state().toFloatArray();
            int t = 9;
            double maxDiff = 0;
            for (int bb = 0; bb < B; bb++) {
                for (int hh = 0; hh < H; hh++) {
                    double[][] s = new double[DK][DV];
                    for (int i = 0; i < DK; i++) for (int j = 0; j < DV; j++) s[i][j] = s0[((bb * H + hh) * DK + i) * DV + j];
                    for (int tt = 0; tt < t; tt++) {
                        int th = (bb * t + tt) * H + hh;
                        double decay = Math.exp(g[th]);
                        for (double[] rowS : s) for (int j = 0; j < DV; j++) rowS[j] *= decay;
                        for (int j = 0; j < DV; j++) {
                            double pred = 0;
                            for (int i = 0; i < DK; i++) pred += s[i][j] * k[th * DK + i];
                            double delta = beta[th] * (v[th * DV + j] - pred);
                            for (int i = 0; i < DK; i++) s[i][j] += k[th * DK + i] * delta;
                        }
                        for (int j = 0; j < DV; j++) {
                            double o = 0;
                            for (int i = 0; i < DK; i++) o += s[i][j] * q[th * DK + i];
                            maxDiff = Math.max(maxDiff, Math.abs(o - out[th * DV + j]));
                        }
                    }
                    for (int i = 0; i < DK; i++) for (int j = 0; j < DV; j++) {
                        maxDiff = Math.max(maxDiff, Math.abs(s[i][j] - sOut[((bb * H + hh) * DK + i) * DV + j]));
                    }
                }
            }
            assertThat(maxDiff).isLessThan(1e-5);
        }
    }

    @Test
    void chunkedAgreesWithRecurrentForSeveralChunkSizesAndRaggedLengths() {
        int[][] cases = {{1, 4}, {5, 4}, {17, 4}, {33, 16}, {64, 16}, {70, 64}, {100, 32}, {130, 64}};
        try (NDManager m = NDManager.newBaseManager()) {
            for (int[] c : cases) {
                for (boolean withState : new boolean[] {false, true}) {
                    Inputs in = inputs(m, c[0], 7L * c[0] + c[1], withState);
                    GatedDeltaRule.Result rec = GatedDeltaRule.recurrent(in.q, in.k, in.v, in.g, in.beta, in.state);
                    GatedDeltaRule.Result chk = GatedDeltaRule.chunked(in.q, in.k, in.v, in.g, in.beta, in.state, c[1]);
                    assertThat(chk.output().getShape()).isEqualTo(rec.output().getShape());
                    float outDiff = rec.output().sub(chk.output()).abs().max().getFloat();
                    float stateDiff = rec.state().sub(chk.state()).abs().max().getFloat();
                    assertThat(outDiff).as("output, T=%d C=%d state=%s", c[0], c[1], withState).isLessThan(1e-4f);
                    assertThat(stateDiff).as("state, T=%d C=%d state=%s", c[0], c[1], withState).isLessThan(1e-4f);
                }
            }
        }
    }

    @Test
    void packedSequencesAreIndependentInBothForms() {
        int t = 23;
        try (NDManager m = NDManager.newBaseManager()) {
            Inputs in = inputs(m, t, 5, false);
            // Row 0: sequences start at 0, 5 and 14; row 1: at 0 and 9.
            float[] r = new float[2 * t];
            r[5] = 1;
            r[14] = 1;
            r[t + 9] = 1;
            NDArray resets = m.create(r, new Shape(2, t));
            GatedDeltaRule.Result rec = GatedDeltaRule.recurrent(in.q, in.k, in.v, in.g, in.beta, null, resets);
            for (int c : new int[] {4, 8, 64}) {
                GatedDeltaRule.Result chk = GatedDeltaRule.chunked(in.q, in.k, in.v, in.g, in.beta, null, resets, c);
                assertThat(rec.output().sub(chk.output()).abs().max().getFloat()).as("chunk %d", c).isLessThan(1e-4f);
                assertThat(rec.state().sub(chk.state()).abs().max().getFloat()).as("chunk %d", c).isLessThan(1e-4f);
            }
            // The middle sequence of row 0 run on its own gives the same outputs.
            String mid = "0:1, 5:14";
            GatedDeltaRule.Result alone = GatedDeltaRule.recurrent(in.q.get(mid), in.k.get(mid), in.v.get(mid),
                    in.g.get(mid), in.beta.get(mid), null);
            assertThat(alone.output().sub(rec.output().get(mid)).abs().max().getFloat()).isLessThan(1e-5f);
        }
    }

    @Test
    void chunkedGradientsMatchRecurrentGradients() {
        try (NDManager m = NDManager.newBaseManager()) {
            Inputs in = inputs(m, 21, 99, true);
            NDArray[] viaRecurrent = grads(in, -1);
            NDArray[] viaChunked = grads(in, 8);
            for (int i = 0; i < viaRecurrent.length; i++) {
                assertThat(viaRecurrent[i].abs().sum().getFloat()).isGreaterThan(0f);
                assertThat(viaRecurrent[i].sub(viaChunked[i]).abs().max().getFloat()).as("grad %d", i).isLessThan(1e-4f);
            }
        }
    }

    /** d(sum(out·w))/d(q, k, v, g, beta, state) with a fixed random weighting w. */
    private static NDArray[] grads(Inputs in, int chunk) {
        NDArray[] xs = {in.q.duplicate(), in.k.duplicate(), in.v.duplicate(), in.g.duplicate(), in.beta.duplicate(),
            in.state.duplicate()};
        for (NDArray x : xs) x.setRequiresGradient(true);
        NDArray weight = in.v.getManager().arange((float) in.v.size()).reshape(in.v.getShape()).sin();
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            GatedDeltaRule.Result r = chunk < 0
                    ? GatedDeltaRule.recurrent(xs[0], xs[1], xs[2], xs[3], xs[4], xs[5])
                    : GatedDeltaRule.chunked(xs[0], xs[1], xs[2], xs[3], xs[4], xs[5], chunk);
            gc.backward(r.output().mul(weight).sum().add(r.state().sum()));
        }
        NDArray[] out = new NDArray[xs.length];
        for (int i = 0; i < xs.length; i++) out[i] = xs[i].getGradient().duplicate();
        return out;
    }
}
