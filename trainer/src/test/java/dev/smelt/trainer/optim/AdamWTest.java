package dev.smelt.trainer.optim;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.List;
import java.util.Map;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

class AdamWTest {
    @Test
    void matchesTorchAdamWUpdateAndRestoresState() {
        double lr = 0.1, b1 = 0.9, b2 = 0.999, eps = 1e-8, wd = 0.01;
        float[][] grads = {{0.5f, -1f}, {0.25f, 2f}, {-1f, 0.5f}};
        double[] p = {1.0, -2.0};
        double[] m = new double[2];
        double[] v = new double[2];
        try (NDManager nd = NDManager.newBaseManager()) {
            NDArray w = nd.create(new float[] {1f, -2f});
            AdamW adam = new AdamW(nd, b1, b2, eps, wd);
            for (int t = 1; t <= grads.length; t++) {
                NDArray g = nd.create(grads[t - 1]);
                adam.step(Map.of("w", new NDArray[] {w, g}), lr);
                for (int i = 0; i < 2; i++) {
                    p[i] *= 1 - lr * wd;
                    m[i] = b1 * m[i] + (1 - b1) * grads[t - 1][i];
                    v[i] = b2 * v[i] + (1 - b2) * grads[t - 1][i] * grads[t - 1][i];
                    double mh = m[i] / (1 - Math.pow(b1, t));
                    double vh = v[i] / (1 - Math.pow(b2, t));
                    p[i] -= lr * mh / (Math.sqrt(vh) + eps);
                }
            }
            float[] got = w.toFloatArray();
            assertThat((double) got[0]).isCloseTo(p[0], Offset.offset(1e-5));
            assertThat((double) got[1]).isCloseTo(p[1], Offset.offset(1e-5));

            // a restored optimizer continues exactly like the original
            AdamW restored = new AdamW(nd, b1, b2, eps, wd);
            NDArray w2 = nd.create(got);
            restored.restore(adam.steps(), adam.stateToHost(), Map.of("w", w2));
            NDArray g = nd.create(new float[] {0.3f, 0.3f});
            adam.step(Map.of("w", new NDArray[] {w, g}), lr);
            restored.step(Map.of("w", new NDArray[] {w2, g}), lr);
            assertThat(w2.toFloatArray()).containsExactly(w.toFloatArray());
        }
    }

    @Test
    void clipsByGlobalNorm() {
        try (NDManager nd = NDManager.newBaseManager()) {
            NDArray a = nd.create(new float[] {3f, 0f});
            NDArray b = nd.create(new float[] {0f, 4f});
            double norm = GradientClipping.clip(List.of(a, b), 1.0);
            assertThat(norm).isCloseTo(5.0, Offset.offset(1e-6));
            assertThat(GradientClipping.globalNorm(List.of(a, b))).isCloseTo(1.0, Offset.offset(1e-5));
        }
    }

    @Test
    void lossScalerSkipsOverflowsAndGrows() {
        LossScaler s = new LossScaler(true, 1024, 2);
        assertThat(s.update(false)).isFalse();
        assertThat(s.scale()).isEqualTo(512);
        assertThat(s.update(true)).isTrue();
        assertThat(s.update(true)).isTrue();
        assertThat(s.scale()).isEqualTo(1024);
        assertThat(LossScaler.disabled().update(true)).isTrue();
    }
}
