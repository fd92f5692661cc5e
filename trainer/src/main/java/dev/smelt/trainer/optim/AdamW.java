package dev.smelt.trainer.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.smelt.core.SmeltException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * AdamW with decoupled weight decay (Loshchilov &amp; Hutter), the update of {@code torch.optim.AdamW}:
 * {@code p ← p·(1 − lr·wd) − lr·m̂/(√v̂ + ε)}. DJL ships an AdamW too, but it keeps its moments in private
 * maps; checkpoints need them, so the state lives here, one pair of float32 arrays per parameter name.
 * Updates run outside any gradient collector, in place.
 */
public final class AdamW implements AutoCloseable {
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private final NDManager manager;
    private final Map<String, NDArray> expAvg = new LinkedHashMap<>();
    private final Map<String, NDArray> expAvgSq = new LinkedHashMap<>();
    private int steps;

    public AdamW(NDManager manager, double beta1, double beta2, double eps, double weightDecay) {
        if (weightDecay < 0) throw new SmeltException("--weight-decay must be >= 0, got " + weightDecay);
        this.manager = manager;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
    }

    /** Number of updates applied so far (Adam's bias-correction counter). */
    public int steps() {
        return steps;
    }

    /** Applies one update to every parameter of {@code params} (name → weight, gradient). */
    public void step(Map<String, NDArray[]> params, double lr) {
        steps++;
        double bc1 = 1 - Math.pow(beta1, steps);
        double bc2 = 1 - Math.pow(beta2, steps);
        for (Map.Entry<String, NDArray[]> e : params.entrySet()) {
            NDArray w = e.getValue()[0];
            NDArray g = e.getValue()[1];
            NDArray m = expAvg.computeIfAbsent(e.getKey(), k -> zerosLike(w));
            NDArray v = expAvgSq.computeIfAbsent(e.getKey(), k -> zerosLike(w));
            if (weightDecay > 0) w.muli((float) (1 - lr * weightDecay));
            try (NDManager scope = manager.newSubManager(w.getDevice())) {
                NDArray gs = g;
                m.muli((float) beta1).addi(tmp(scope, gs.mul((float) (1 - beta1))));
                v.muli((float) beta2).addi(tmp(scope, gs.square().muli((float) (1 - beta2))));
                NDArray denom = tmp(scope, v.sqrt()).divi((float) Math.sqrt(bc2)).addi((float) eps);
                NDArray upd = tmp(scope, m.div(denom)).muli((float) (lr / bc1));
                w.subi(upd);
            }
        }
    }

    private static NDArray tmp(NDManager scope, NDArray a) {
        a.attach(scope);
        return a;
    }

    private NDArray zerosLike(NDArray w) {
        NDArray z = manager.zeros(w.getShape(), w.getDataType(), w.getDevice());
        z.setRequiresGradient(false);
        return z;
    }

    /** The moments by name (for checkpoints): name + ".exp_avg" / ".exp_avg_sq". */
    public Map<String, float[]> stateToHost() {
        Map<String, float[]> out = new LinkedHashMap<>();
        expAvg.forEach((k, v) -> out.put(k + ".exp_avg", copyToHost(v)));
        expAvgSq.forEach((k, v) -> out.put(k + ".exp_avg_sq", copyToHost(v)));
        return out;
    }

    /**
     * Values of a long-lived array, read through a short-lived copy: DJL 0.36 reading an array's buffer directly has
     * been seen to corrupt later gradients of the same process (after garbage collection), so live state is never read
     * that way.
     */
    public static float[] copyToHost(NDArray a) {
        try (NDArray c = a.getDataType() == DataType.FLOAT32 ? a.add(0f)
                : a.toType(DataType.FLOAT32, true)) {
            return c.toFloatArray();
        }
    }

    /** Restores moments saved by {@link #stateToHost}; {@code shapes} supplies each parameter's array. */
    public void restore(int steps, Map<String, float[]> state, Map<String, NDArray> paramsByName) {
        this.steps = steps;
        for (Map.Entry<String, NDArray> p : paramsByName.entrySet()) {
            float[] m = state.get(p.getKey() + ".exp_avg");
            float[] v = state.get(p.getKey() + ".exp_avg_sq");
            if (m == null || v == null) {
                if (steps == 0) continue;
                throw new SmeltException("optimizer state has no moments for \"" + p.getKey() + "\"");
            }
            NDArray w = p.getValue();
            expAvg.put(p.getKey(), owned(manager.create(m, w.getShape()), w));
            expAvgSq.put(p.getKey(), owned(manager.create(v, w.getShape()), w));
        }
    }

    /** A torch-owned copy on the parameter's device (arrays made from Java buffers keep pointing at them). */
    private static NDArray owned(NDArray host, NDArray like) {
        NDArray out = like.getDevice().equals(host.getDevice()) ? host.duplicate() : host.toDevice(like.getDevice(), true);
        host.close();
        return out;
    }

    @Override
    public void close() {
        expAvg.values().forEach(NDArray::close);
        expAvgSq.values().forEach(NDArray::close);
    }
}
