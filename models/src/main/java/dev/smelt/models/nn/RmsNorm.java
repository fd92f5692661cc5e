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
 * RMSNorm over the last axis, computed in float32 whatever the model dtype:
 * {@code y = x · (mean(x²) + eps)^-½ · w}, or {@code · (1 + w)} for the "one-centred" form Qwen3.5 uses, with the
 * weight (and the +1) in float32 and one rounding to the output type at the end (the fp16 policy in the module
 * README; the ONNX fp16 export rounds at the same point). DJL has no rsqrt, hence {@code pow(-0.5)}.
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

    /** The norm of {@code x} in {@code x}'s type. */
    public NDArray apply(ParameterStore ps, NDArray x, boolean training) {
        return apply(ps, x, x.getDataType(), training);
    }

    /** The norm of {@code x} (any float type), computed in float32 and rounded once to {@code out}. */
    public NDArray apply(ParameterStore ps, NDArray x, DataType out, boolean training) {
        NDArray w = ps.getValue(weight, x.getDevice(), training);
        NDArray e = eps(w);
        NDArray xf = Casts.toFloat32(x);
        NDArray normed = xf.mul(xf.square().mean(new int[] {-1}, true).add(e).pow(minusHalf));
        return Casts.narrow(normed.mul(effective(w, training)), out);
    }

    /**
     * {@link #apply(ParameterStore, NDArray, DataType, boolean)} for inference, the same values in fewer new arrays:
     * eps, the power and the weight are applied in place. Never for training: in-place ops would overwrite what
     * autograd saved.
     */
    public NDArray decode(ParameterStore ps, NDArray x, DataType out) {
        NDArray w = ps.getValue(weight, x.getDevice(), false);
        NDArray e = eps(w);
        NDArray xf = Casts.toFloat32(x);
        NDArray inv = xf.square().mean(new int[] {-1}, true);
        inv.addi(e);
        inv.powi(minusHalf);
        NDArray normed = xf.mul(inv);
        return Casts.narrow(normed.muli(effective(w, false)), out);
    }

    /** The eps constant on the weight's device (made with {@link #minusHalf} on first use per device). */
    private NDArray eps(NDArray w) {
        NDArray e = epsArray;
        NDArray p = minusHalf;
        if (e == null || p == null || !e.getDevice().equals(w.getDevice())) {
            p = Scalars.owned(w, -0.5);
            e = Scalars.owned(w, eps);
            minusHalf = p;
            epsArray = e;
        }
        return e;
    }

    /** The float32 weight the normalised x is multiplied by ({@code 1 + w} when one-centred), cached while frozen. */
    private NDArray effective(NDArray w, boolean training) {
        if (!oneCentered && w.getDataType() == DataType.FLOAT32) return w;
        if (training && weight.requiresGradient()) return oneCentered ? Casts.toFloat32(w).add(1f) : Casts.toFloat32(w);
        if (effectiveFrom != w || effectiveWeight == null) {
            effectiveWeight = oneCentered ? Casts.toFloat32(w).add(1f) : Casts.toFloat32(w);
            effectiveFrom = w;
        }
        return effectiveWeight;
    }

    /** The normalisation itself, for callers that hold the weight array directly: float32, rounded once to x's type. */
    public static NDArray normalize(NDArray x, NDArray w, float eps, boolean oneCentered) {
        NDArray xf = Casts.toFloat32(x);
        NDArray inv = xf.square().mean(new int[] {-1}, true).add(Scalars.constant(xf, eps)).pow(Scalars.constant(xf, -0.5));
        NDArray wf = Casts.toFloat32(w);
        return Casts.narrow(xf.mul(inv).mul(oneCentered ? wf.add(1f) : wf), x.getDataType());
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
