package dev.smelt.models.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.util.List;

/**
 * Projections that read the same input (q/k/v, gate/up) run as one matmul over their weights concatenated along
 * the output axis. The concatenation happens once, at load time ({@link #fuse}): each {@link Linear} keeps a view of
 * its rows of the fused weight as its own weight, so memory does not grow, the module names (and so PEFT's adapter
 * names) stay per projection, and any adapter stays attached to its own projection: its delta is added to that
 * projection's slice of the fused output.
 *
 * <p>The fused path is taken only while it computes what the separate projections would: every weight is still the
 * view {@link #fuse} gave it (quant-report swaps weights in and out), no weight tracks a gradient, no projection has
 * an activation observer, and the input is on the fused weight's device. Otherwise the projections run one by one.
 * {@code -Dsmelt.models.fuse=false} turns fusion off at load time (the baseline of {@code smelt bench train}).
 */
public final class FusedProjections {
    /** The system property that, set to {@code false}, keeps every projection separate. */
    public static final String PROPERTY = "smelt.models.fuse";

    private final Linear[] parts;
    private final long[] offsets; // cumulative output sizes, for split
    private final NDArray weight; // [sum out, in], owned by the model's manager
    private final NDArray bias; // [sum out] or null
    private final NDArray[] views; // each part's weight as fused, to notice a swapped weight
    private final RowBlocks decoding = new RowBlocks();

    private FusedProjections(Linear[] parts, NDArray weight, NDArray bias, NDArray[] views) {
        this.parts = parts;
        this.weight = weight;
        this.bias = bias;
        this.views = views;
        offsets = new long[parts.length - 1];
        long o = 0;
        for (int i = 0; i < parts.length - 1; i++) {
            o += parts[i].outFeatures();
            offsets[i] = o;
        }
    }

    /** Whether fusion is on for models loaded now ({@value #PROPERTY}, default true). */
    public static boolean enabled() {
        return !"false".equalsIgnoreCase(System.getProperty(PROPERTY, "true"));
    }

    /**
     * Sets the weights (and biases, when the projections have them) of {@code parts} from their loaded arrays,
     * concatenated into one array; returns the fusion, or null (weights set as given) when fusion is off.
     * The loaded arrays are closed once copied.
     */
    public static FusedProjections fuse(List<Linear> parts, List<NDArray> weights, List<NDArray> biases) {
        Linear[] ps = parts.toArray(new Linear[0]);
        if (!enabled()) {
            for (int i = 0; i < ps.length; i++) ps[i].setWeights(weights.get(i), biases == null ? null : biases.get(i));
            return null;
        }
        NDArray w = NDArrays.concat(new NDList(weights), 0);
        NDArray b = biases == null ? null : NDArrays.concat(new NDList(biases), 0);
        NDArray[] views = new NDArray[ps.length];
        long o = 0;
        for (int i = 0; i < ps.length; i++) {
            long n = ps[i].outFeatures();
            NDIndex rows = new NDIndex().addSliceDim(o, o + n);
            views[i] = w.get(rows);
            ps[i].setWeights(views[i], b == null ? null : b.get(rows));
            o += n;
        }
        for (NDArray a : weights) a.close();
        if (biases != null) for (NDArray a : biases) a.close();
        return new FusedProjections(ps, w, b, views);
    }

    /**
     * The projections of {@code x}, each with its adapter's delta: one array per part ({@code [..., out_i]}; views
     * of one fused output where nothing was added), or the separate projections' outputs when the fused path does
     * not apply. {@code fusion} may be null (fusion off).
     */
    public static NDList apply(FusedProjections fusion, List<Linear> parts, ParameterStore ps, NDArray x, boolean training) {
        return apply(fusion, parts, ps, x, training, 0);
    }

    /**
     * As {@link #apply(FusedProjections, List, ParameterStore, NDArray, boolean)}, but with {@code headDim > 0} the
     * fused path hands each part back as {@code [..., out_i / headDim, headDim]}: the fused output is split along its
     * head axis, so the parts are views needing no copy to be viewed per head (every part's size must be a multiple
     * of {@code headDim}). The separate path returns {@code [..., out_i]}; callers reshape either way.
     */
    public static NDList apply(FusedProjections fusion, List<Linear> parts, ParameterStore ps, NDArray x, boolean training,
            long headDim) {
        if (fusion == null || !fusion.applies(x, training)) {
            NDList out = new NDList(parts.size());
            for (Linear l : parts) out.add(l.apply(ps, x, training));
            return out;
        }
        return fusion.run(ps, x, training, headDim);
    }

    /**
     * The fused output of {@code x} ({@code [..., sum out]}, the parts side by side) for inference, or null when the
     * fused path does not apply or a part has an adapter (whose delta would have to be added per part). Decoding
     * takes it whole to view and split it as it needs.
     */
    public static NDArray output(FusedProjections fusion, NDArray x) {
        if (fusion == null || !fusion.applies(x, false)) return null;
        for (Linear l : fusion.parts) if (l.adapter() != null) return null;
        return fusion.decoding.project(x, fusion.weight, fusion.bias);
    }

    private boolean applies(NDArray x, boolean training) {
        if (!weight.getDevice().equals(x.getDevice())) return false;
        for (int i = 0; i < parts.length; i++) {
            Linear l = parts[i];
            if (l.observed()) return false;
            NDArray w = l.weight().getArray();
            if (w != views[i]) return false;
            if (training && w.hasGradient()) return false;
        }
        return true;
    }

    private NDList run(ParameterStore ps, NDArray x, boolean training, long headDim) {
        NDArray y = Linear.project(x, weight, bias);
        NDList split;
        if (headDim > 0) {
            Shape s = y.getShape();
            Shape perHead = s.slice(0, s.dimension() - 1).add(s.get(s.dimension() - 1) / headDim, headDim);
            long[] at = new long[offsets.length];
            for (int i = 0; i < at.length; i++) at[i] = offsets[i] / headDim;
            NDArray heads = y.reshape(perHead);
            split = heads.split(at, perHead.dimension() - 2);
            heads.close();
        } else {
            split = y.split(offsets, y.getShape().dimension() - 1);
        }
        y.close(); // the slices keep the storage; nothing else needs this handle
        NDList out = new NDList(parts.length);
        for (int i = 0; i < parts.length; i++) {
            NDArray part = split.get(i);
            if (parts[i].adapter() != null) {
                // the delta is added to this projection's slice (an add saves nothing for backward, so the addends
                // are closed now, not with the caller's manager)
                NDArray delta = parts[i].adapter().forward(ps, new NDList(x), training).singletonOrThrow();
                NDArray shaped = headDim > 0 ? delta.reshape(part.getShape()) : delta;
                NDArray sum = part.add(shaped);
                part.close();
                delta.close();
                if (shaped != delta) shaped.close();
                part = sum;
            }
            out.add(part);
        }
        return out;
    }

    @Override
    public String toString() {
        return "FusedProjections(" + parts.length + " parts, " + weight.getShape() + ")";
    }
}
