package dev.smelt.trainer.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import dev.smelt.models.nn.Scalars;
import java.util.Collection;

/** Global-norm gradient clipping as {@code torch.nn.utils.clip_grad_norm_}. */
public final class GradientClipping {
    private GradientClipping() {}

    /**
     * L2 norm of all gradients together: each gradient's sum of squares in float32 on its device, then summed in
     * float64 on the host. The per-gradient sums are read back in one copy per device (not one per gradient: each
     * read waits for the device and crosses into native code).
     */
    public static double globalNorm(Collection<NDArray> grads) {
        double sum = 0;
        NDList sums = new NDList(grads.size());
        try {
            for (NDArray g : grads) {
                if (!sums.isEmpty() && !sums.get(0).getDevice().equals(g.getDevice())) {
                    sum += hostSum(sums);
                    sums.close();
                    sums = new NDList(grads.size());
                }
                try (NDArray sq = g.square()) {
                    sums.add(sq.sum());
                }
            }
            if (!sums.isEmpty()) sum += hostSum(sums);
        } finally {
            sums.close();
        }
        return Math.sqrt(sum);
    }

    private static double hostSum(NDList sums) {
        double s = 0;
        try (NDArray stacked = NDArrays.stack(sums)) {
            for (float f : stacked.toFloatArray()) s += f;
        }
        return s;
    }

    /** Scales gradients in place so that their global norm is at most {@code maxNorm}; returns the norm before. */
    public static double clip(Collection<NDArray> grads, double maxNorm) {
        return clip(grads, maxNorm, globalNorm(grads));
    }

    /** As {@link #clip(Collection, double)} with the norm already computed by {@link #globalNorm}. */
    public static double clip(Collection<NDArray> grads, double maxNorm, double norm) {
        if (maxNorm > 0 && Double.isFinite(norm)) {
            double coef = maxNorm / (norm + 1e-6);
            if (coef < 1 && !grads.isEmpty()) {
                try (NDArray c = Scalars.owned(grads.iterator().next(), (float) coef)) {
                    grads.forEach(g -> g.muli(c));
                }
            }
        }
        return norm;
    }
}
