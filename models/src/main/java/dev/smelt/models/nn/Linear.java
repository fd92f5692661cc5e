package dev.smelt.models.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.smelt.core.SmeltException;

/**
 * A frozen projection {@code y = x·Wᵀ (+ b)} with the weight in PyTorch layout {@code [out, in]}, named by
 * its Hugging Face module path (e.g. {@code model.layers.0.self_attn.q_proj}). A float32 bias on a float16 weight
 * (how float16 models are loaded) is added in float32 to the float16 product, so y is float32 then.
 *
 * <p>An adapter (LoRA and the like) can be attached: it is a child block, so its parameters are part of the
 * model's parameters and DJL's trainer initialises and updates them, while the base weight and bias are
 * created with {@code requiresGrad=false} and already hold their loaded values (DJL never re-initialises an
 * initialised parameter). The adapter receives {@code NDList(x)} and returns {@code NDList(delta)} with the
 * output's shape; the delta is added to the base projection.
 */
public final class Linear extends AbstractBlock {
    private static final String ADAPTER_KEY = "01adapter";

    private final String moduleName;
    private final long inFeatures;
    private final long outFeatures;
    private final Parameter weight;
    private final Parameter bias;
    private Block adapter;
    private volatile ActivationObserver observer;
    private final RowBlocks decoding = new RowBlocks();

    public Linear(String moduleName, long inFeatures, long outFeatures, boolean hasBias) {
        this.moduleName = moduleName;
        this.inFeatures = inFeatures;
        this.outFeatures = outFeatures;
        this.weight = addParameter(Parameter.builder().setName("weight").setType(Parameter.Type.WEIGHT)
                .optRequiresGrad(false).build());
        this.bias = hasBias
                ? addParameter(Parameter.builder().setName("bias").setType(Parameter.Type.BIAS).optRequiresGrad(false).build())
                : null;
    }

    public String moduleName() {
        return moduleName;
    }

    public long inFeatures() {
        return inFeatures;
    }

    public long outFeatures() {
        return outFeatures;
    }

    public Parameter weight() {
        return weight;
    }

    /** The bias parameter, or null when the module has none. */
    public Parameter bias() {
        return bias;
    }

    /** Sets the loaded weight ({@code [out, in]}) and bias ({@code [out]}, or null). */
    public void setWeights(NDArray w, NDArray b) {
        Shape expected = new Shape(outFeatures, inFeatures);
        if (!w.getShape().equals(expected)) {
            throw new SmeltException(moduleName + ".weight: shape " + w.getShape() + ", expected " + expected);
        }
        weight.setArray(w);
        if (bias != null) {
            if (b == null) throw new SmeltException(moduleName + ".bias: missing");
            if (!b.getShape().equals(new Shape(outFeatures))) {
                throw new SmeltException(moduleName + ".bias: shape " + b.getShape() + ", expected (" + outFeatures + ")");
            }
            bias.setArray(b);
        } else if (b != null) {
            throw new SmeltException(moduleName + ".bias: this module has no bias");
        }
    }

    /** Attaches (or replaces) the adapter whose output is added to this projection. */
    public void attachAdapter(Block adapter) {
        if (this.adapter != null) detachAdapter();
        this.adapter = addChildBlock("adapter", adapter);
    }

    /** The attached adapter, or null. */
    public Block adapter() {
        return adapter;
    }

    /** Removes the adapter; its parameters are no longer part of the model (the caller owns them). */
    public void detachAdapter() {
        if (adapter == null) return;
        children.remove(ADAPTER_KEY);
        adapter = null;
    }

    /** Sets (or with null removes) the observer that sees this projection's inputs; none by default. */
    public void observe(ActivationObserver o) {
        observer = o;
    }

    /** Whether an observer is set. */
    public boolean observed() {
        return observer != null;
    }

    /** The projection of {@code x} ({@code [..., in]} → {@code [..., out]}), adapter delta included. */
    public NDArray apply(ParameterStore ps, NDArray x, boolean training) {
        ActivationObserver o = observer;
        if (o != null) o.observe(this, x);
        NDArray w = ps.getValue(weight, x.getDevice(), training);
        NDArray b = bias == null ? null : ps.getValue(bias, x.getDevice(), training);
        NDArray y = project(x, w, b);
        if (adapter != null) {
            // the addends are not needed by autograd (an add saves nothing); closing them now instead of when the
            // caller's manager closes keeps two output-sized arrays per projection out of the training peak
            NDArray delta = adapter.forward(ps, new NDList(x), training).singletonOrThrow();
            NDArray sum = y.add(delta);
            y.close();
            delta.close();
            y = sum;
        }
        return y;
    }

    /** {@code x·wᵀ + b}; a bias of another type than w (float32 on float16) is added to the product in float32. */
    static NDArray project(NDArray x, NDArray w, NDArray b) {
        if (b == null || b.getDataType() == w.getDataType()) return ai.djl.nn.core.Linear.linear(x, w, b).singletonOrThrow();
        NDArray product = ai.djl.nn.core.Linear.linear(x, w, null).singletonOrThrow();
        NDArray wide = Casts.toFloat32(product);
        NDArray y = wide.add(b);
        if (wide != product) wide.close(); // an add saves nothing for backward
        product.close();
        return y;
    }

    /**
     * {@link #apply} for inference on decoding's single rows: without an adapter or observer the product is spread
     * over the intra-op threads ({@link RowBlocks}).
     */
    public NDArray decode(ParameterStore ps, NDArray x) {
        if (adapter != null || observer != null) return apply(ps, x, false);
        NDArray w = ps.getValue(weight, x.getDevice(), false);
        NDArray b = bias == null ? null : ps.getValue(bias, x.getDevice(), false);
        return decoding.project(x, w, b);
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(apply(ps, inputs.singletonOrThrow(), training));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape in = inputShapes[0];
        return new Shape[] {in.slice(0, in.dimension() - 1).add(outFeatures)};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        if (adapter != null) adapter.initialize(manager, dataType, inputShapes.length > 0 ? inputShapes : new Shape[] {new Shape(1, inFeatures)});
    }

    @Override
    public String toString() {
        return "Linear(" + moduleName + ", in=" + inFeatures + ", out=" + outFeatures + (bias != null ? ", bias" : "")
                + (adapter != null ? ", adapter=" + adapter.getClass().getSimpleName() : "") + ")";
    }
}
