package dev.smelt.models.dense;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.function.Supplier;
import dev.smelt.core.model.DenseConfig;
import dev.smelt.models.nn.RmsNorm;
import dev.smelt.models.nn.RotaryEmbedding;
import dev.smelt.models.nn.SwiGluMlp;

/**
 * Pre-norm decoder layer: {@code h = x + attn(norm(x)); y = h + mlp(norm(h))}, the residual stream x, h, y in
 * float32 and the norms' outputs in the model's dtype.
 */
final class DenseLayer extends AbstractBlock {
    final RmsNorm inputNorm;
    final DenseAttention attention;
    final RmsNorm postNorm;
    final SwiGluMlp mlp;
    private final DataType dtype;

    DenseLayer(String prefix, DenseConfig c, DataType dtype) {
        this.dtype = dtype;
        inputNorm = addChildBlock("input_layernorm", new RmsNorm(prefix + ".input_layernorm", c.hiddenSize(), c.rmsNormEps()));
        attention = addChildBlock("self_attn", new DenseAttention(prefix + ".self_attn", c));
        postNorm = addChildBlock("post_attention_layernorm",
                new RmsNorm(prefix + ".post_attention_layernorm", c.hiddenSize(), c.rmsNormEps()));
        mlp = addChildBlock("mlp", new SwiGluMlp(prefix + ".mlp", c.hiddenSize(), c.intermediateSize(), c.mlpBias()));
    }

    NDArray apply(ParameterStore ps, NDArray x, RotaryEmbedding rotary, NDList rope, NDArray mask, KvCache cache,
            int layer, boolean training) {
        NDArray attended = attention.apply(ps, inputNorm.apply(ps, x, dtype, training), rotary, rope, mask, cache, layer,
                training);
        NDArray h = x.add(attended); // float32 + the projection's dtype: a float32 sum
        NDArray mlpOut = mlp.apply(ps, postNorm.apply(ps, h, dtype, training), training);
        NDArray out = h.add(mlpOut);
        attended.close(); // residual adds save nothing for backward
        mlpOut.close();
        return out;
    }

    /**
     * {@link #apply} for one new position per row in inference: the same values in fewer ops. Never for training.
     */
    NDArray decode(ParameterStore ps, NDArray x, RotaryEmbedding rotary, NDList rope, Supplier<NDList> generalRope, KvCache cache,
            int layer) {
        NDArray h = residual(x, attention.decode(ps, inputNorm.decode(ps, x, dtype), rotary, rope, generalRope, cache, layer));
        return residual(h, mlp.decode(ps, postNorm.decode(ps, h, dtype)));
    }

    /** {@code x + y} (float32), into y's array when y is float32 too (as apply's {@code x.add(y)}: a + b = b + a). */
    private static NDArray residual(NDArray x, NDArray y) {
        return y.getDataType() == x.getDataType() ? y.addi(x) : x.add(y);
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        throw new UnsupportedOperationException("decoder layers run inside DenseDecoder, which supplies positions and masks");
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        for (var child : getChildren().values()) child.initialize(manager, dataType, inputShapes);
    }
}
