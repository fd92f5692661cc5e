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

/** {@code down(silu(gate(x)) ⊙ up(x))} with HF module names {@code <prefix>.gate_proj / up_proj / down_proj}. */
public final class SwiGluMlp extends AbstractBlock {
    private final Linear gate;
    private final Linear up;
    private final Linear down;

    public SwiGluMlp(String prefix, long hidden, long intermediate, boolean bias) {
        gate = addChildBlock("gate_proj", new Linear(prefix + ".gate_proj", hidden, intermediate, bias));
        up = addChildBlock("up_proj", new Linear(prefix + ".up_proj", hidden, intermediate, bias));
        down = addChildBlock("down_proj", new Linear(prefix + ".down_proj", intermediate, hidden, bias));
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
        NDArray g = gate.apply(ps, x, training);
        NDArray act = g.mul(Activation.sigmoid(g)); // SiLU; DJL has no silu op
        return down.apply(ps, act.mul(up.apply(ps, x, training)), training);
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
