package dev.smelt.models.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.List;
import java.util.function.Function;

/**
 * {@code down(silu(gate(x)) ⊙ up(x))} with HF module names {@code <prefix>.gate_proj / up_proj / down_proj}; the
 * activation and the product run in float32 whatever the projections' type.
 */
public final class SwiGluMlp extends AbstractBlock {
    private final Linear gate;
    private final Linear up;
    private final Linear down;
    private final List<Linear> gateUp;
    private FusedProjections fused; // null: separate projections

    public SwiGluMlp(String prefix, long hidden, long intermediate, boolean bias) {
        gate = addChildBlock("gate_proj", new Linear(prefix + ".gate_proj", hidden, intermediate, bias));
        up = addChildBlock("up_proj", new Linear(prefix + ".up_proj", hidden, intermediate, bias));
        down = addChildBlock("down_proj", new Linear(prefix + ".down_proj", intermediate, hidden, bias));
        gateUp = List.of(gate, up);
    }

    /**
     * Sets gate and up weights from {@code load} and biases from {@code loadBias} (module path + ".weight"/".bias" →
     * array), fused into one projection unless fusion is off ({@link FusedProjections}); down_proj is left to the caller.
     */
    public void loadGateUp(Function<String, NDArray> load, Function<String, NDArray> loadBias) {
        List<NDArray> ws = List.of(load.apply(gate.moduleName() + ".weight"), load.apply(up.moduleName() + ".weight"));
        List<NDArray> bs = gate.bias() == null ? null
                : List.of(loadBias.apply(gate.moduleName() + ".bias"), loadBias.apply(up.moduleName() + ".bias"));
        fused = FusedProjections.fuse(gateUp, ws, bs);
    }

    public Linear gateProj() {
        return gate;
    }

    public Linear upProj() {
        return up;
    }

    public Linear downProj() {
        return down;
    }

    public NDArray apply(ParameterStore ps, NDArray x, boolean training) {
        NDList gu = FusedProjections.apply(fused, gateUp, ps, x, training);
        DataType dt = x.getDataType();
        // silu(gate) · up in float32, rounded once to the input's type for down_proj
        NDArray g = Casts.toFloat32(gu.get(0));
        NDArray u = Casts.toFloat32(gu.get(1));
        NDArray sig = Activation.sigmoid(g);
        NDArray act = g.mul(sig); // SiLU; DJL has no silu op
        NDArray prod = act.mul(u);
        NDArray narrowed = Casts.narrow(prod, dt);
        // autograd keeps its own references to what the backward needs (g, sigmoid(g), act, up): the handles are
        // closed now instead of with the caller's manager
        sig.close();
        act.close();
        NDArray out = down.apply(ps, narrowed, training);
        if (narrowed != prod) narrowed.close();
        prod.close();
        if (g != gu.get(0)) g.close();
        if (u != gu.get(1)) u.close();
        gu.close();
        return out;
    }

    /**
     * {@link #apply} for inference, in fewer ops: the fused gate/up output is split in two and SiLU and the product
     * are taken in place (sigmoid(g)·g·up, which equals g·sigmoid(g)·up bit for bit). Falls back to {@link #apply}
     * where the fused path does not apply. Never for training: in-place ops would overwrite what autograd saved.
     */
    public NDArray decode(ParameterStore ps, NDArray x) {
        NDArray gu = FusedProjections.output(fused, x);
        if (gu == null) return apply(ps, x, false);
        NDList parts = gu.split(new long[] {gate.outFeatures()}, gu.getShape().dimension() - 1);
        NDArray g = Casts.toFloat32(parts.get(0));
        NDArray act = Activation.sigmoid(g);
        act.muli(g);
        act.muli(Casts.toFloat32(parts.get(1)));
        return down.decode(ps, Casts.narrow(act, x.getDataType()));
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(apply(ps, inputs.singletonOrThrow(), training));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape in = inputShapes[0];
        gate.initialize(manager, dataType, in);
        up.initialize(manager, dataType, in);
        down.initialize(manager, dataType, gate.getOutputShapes(new Shape[] {in}));
    }
}
