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

/** Token embedding table {@code [vocab, hidden]} (frozen), looked up by integer ids of any shape. */
public final class TokenEmbedding extends AbstractBlock {
    private final String moduleName;
    private final long vocabSize;
    private final long hiddenSize;
    private final Parameter weight;

    public TokenEmbedding(String moduleName, long vocabSize, long hiddenSize) {
        this.moduleName = moduleName;
        this.vocabSize = vocabSize;
        this.hiddenSize = hiddenSize;
        this.weight = addParameter(Parameter.builder().setName("weight").setType(Parameter.Type.WEIGHT)
                .optRequiresGrad(false).build());
    }

    public String moduleName() {
        return moduleName;
    }

    public Parameter weight() {
        return weight;
    }

    public void setWeight(NDArray w) {
        if (!w.getShape().equals(new Shape(vocabSize, hiddenSize))) {
            throw new SmeltException(moduleName + ".weight: shape " + w.getShape() + ", expected (" + vocabSize + ", "
                    + hiddenSize + ")");
        }
        weight.setArray(w);
    }

    /** {@code ids [...]} → {@code [..., hidden]}; the result belongs to the ids' manager, not the weights'. */
    public NDArray apply(ParameterStore ps, NDArray ids, boolean training) {
        NDArray w = ps.getValue(weight, ids.getDevice(), training);
        NDArray idx = ids.getDataType() == DataType.INT64 ? ids : ids.toType(DataType.INT64, false);
        NDArray out = w.get(idx);
        out.attach(ids.getManager());
        return out;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(apply(ps, inputs.singletonOrThrow(), training));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0].add(hiddenSize)};
    }
}
