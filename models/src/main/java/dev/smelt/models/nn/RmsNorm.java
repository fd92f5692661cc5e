package dev.smelt.models.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.smelt.core.SmeltException;

/**
 * RMSNorm over the last axis, computed in float32 whatever the model dtype (as transformers does):
 * {@code y = x · (mean(x²) + eps)^-½ · w}, or {@code · (1 + w)} for the "one-centred" form Qwen3.5 uses.
 * DJL has no rsqrt, hence {@code pow(-0.5)}.
 */
public final class RmsNorm extends AbstractBlock {
    private final String moduleName;
    private final long dim;
    private final float eps;
    private final boolean oneCentered;
    private final Parameter weight;
    // Built once on the weights' manager: a Java scalar in an op costs a host-to-native tensor creation per call.
    private volatile NDArray epsArray;
    private volatile NDArray minusHalf;
    private volatile NDArray effectiveWeight;
    private volatile NDArray effectiveFrom;

    public RmsNorm(String moduleName, long dim, double eps, boolean oneCentered) {
        this.moduleName = moduleName;
        this.dim = dim;
        this.eps = (float) eps;
        this.oneCentered = oneCentered;
        this.weight = addParameter(Parameter.builder().setName("weight").setType(Parameter.Type.GAMMA)
                .optRequiresGrad(false).build());
    }

    public RmsNorm(String moduleName, long dim, double eps) {
        this(moduleName, dim, eps, false);
    }

    public String moduleName() {
        return moduleName;
    }

    public Parameter weight() {
        return weight;
    }

    public void setWeight(NDArray w) {
        if (!w.getShape().equals(new Shape(dim))) {
            throw new SmeltException(moduleName + ".weight: shape " + w.getShape() + ", expected (" + dim + ")");
        }
        weight.setArray(w);
    }

    public NDArray apply(ParameterStore ps, NDArray x, boolean training) {
        NDArray w = ps.getValue(weight, x.getDevice(), training);
        NDArray e = epsArray;
        NDArray p = minusHalf;
        if (e == null || p == null || !e.getDevice().equals(w.getDevice())) {
            p = Scalars.owned(w, -0.5);
            e = Scalars.owned(w, eps);
            minusHalf = p;
            epsArray = e;
        }
        DataType dt = x.getDataType();
        NDArray xf = Casts.toFloat32(x);
        NDArray normed = xf.mul(xf.square().mean(new int[] {-1}, true).add(e).pow(p));
        normed = Casts.narrow(normed, dt);
        return normed.mul(oneCentered ? onePlus(w, training) : w);
    }

    /** {@code 1 + w}, cached while the weight is frozen. */
    private NDArray onePlus(NDArray w, boolean training) {
        if (training && weight.requiresGradient()) return w.add(1f);
        if (effectiveFrom != w || effectiveWeight == null) {
            effectiveWeight = w.add(1f);
            effectiveFrom = w;
        }
        return effectiveWeight;
    }

    /** The normalisation itself, for callers that hold the weight array directly. */
    public static NDArray normalize(NDArray x, NDArray w, float eps, boolean oneCentered) {
        DataType dt = x.getDataType();
        NDArray xf = Casts.toFloat32(x);
        NDArray inv = xf.square().mean(new int[] {-1}, true).add(Scalars.constant(xf, eps)).pow(Scalars.constant(xf, -0.5));
        NDArray normed = xf.mul(inv);
        normed = Casts.narrow(normed, dt);
        return oneCentered ? normed.mul(w.add(1f)) : normed.mul(w);
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(apply(ps, inputs.singletonOrThrow(), training));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }
}
