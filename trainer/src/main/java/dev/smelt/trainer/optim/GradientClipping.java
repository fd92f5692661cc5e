package dev.smelt.trainer.optim;

import ai.djl.ndarray.NDArray;
import java.util.Collection;

/** Global-norm gradient clipping as {@code torch.nn.utils.clip_grad_norm_}. */
public final class GradientClipping {
    private GradientClipping() {}

    /** L2 norm of all gradients together (float64 accumulation on the host). */
    public static double globalNorm(Collection<NDArray> grads) {
        double sum = 0;
        for (NDArray g : grads) {
            try (NDArray sq = g.square(); NDArray s = sq.sum()) {
                sum += s.getFloat();
            }
        }
        return Math.sqrt(sum);
    }

    /** Scales gradients in place so that their global norm is at most {@code maxNorm}; returns the norm before. */
    public static double clip(Collection<NDArray> grads, double maxNorm) {
        double norm = globalNorm(grads);
        if (maxNorm > 0 && Double.isFinite(norm)) {
            double coef = maxNorm / (norm + 1e-6);
            if (coef < 1) grads.forEach(g -> g.muli((float) coef));
        }
        return norm;
    }
}
