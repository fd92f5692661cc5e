package dev.smelt.models.qwen35;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.smelt.core.model.LayerType;
import dev.smelt.core.model.Qwen35Config;
import dev.smelt.models.nn.Linear;
import dev.smelt.models.nn.RmsNorm;
import dev.smelt.models.nn.RotaryEmbedding;
import dev.smelt.models.nn.SwiGluMlp;
import java.util.ArrayList;
import java.util.List;

/**
 * One decoder layer: h = x + Mixer((1+w)-RMSNorm(x)); y = h + SwiGLU((1+w)-RMSNorm(h)), the residual stream in
 * float32 and the norms' outputs in the model's dtype.
 */
final class Qwen35Layer extends AbstractBlock {
    final LayerType type;
    final RmsNorm inputNorm;
    final RmsNorm postNorm;
    final GatedDeltaNet linearAttn; // null for full-attention layers
    final GatedAttention selfAttn; // null for linear-attention layers
    final SwiGluMlp mlp;
    private final DataType dtype;

    Qwen35Layer(String prefix, LayerType type, Qwen35Config c, RotaryEmbedding rotary, MRope mrope, DataType dtype) {
        this.type = type;
        this.dtype = dtype;
        inputNorm = addChildBlock("input_layernorm", new RmsNorm(prefix + ".input_layernorm", c.hiddenSize(), c.rmsNormEps(), true));
        if (type == LayerType.LINEAR_ATTENTION) {
            linearAttn = addChildBlock("linear_attn", new GatedDeltaNet(prefix + ".linear_attn", c));
            selfAttn = null;
        } else {
            selfAttn = addChildBlock("self_attn", new GatedAttention(prefix + ".self_attn", c, rotary, mrope));
            linearAttn = null;
        }
        postNorm = addChildBlock("post_attention_layernorm",
                new RmsNorm(prefix + ".post_attention_layernorm", c.hiddenSize(), c.rmsNormEps(), true));
        mlp = addChildBlock("mlp", new SwiGluMlp(prefix + ".mlp", c.hiddenSize(), c.intermediateSize(), false));
    }

    List<Linear> linears() {
        List<Linear> out = new ArrayList<>(linearAttn != null ? linearAttn.linears() : selfAttn.linears());
        out.addAll(List.of(mlp.gateProj(), mlp.upProj(), mlp.downProj()));
        return out;
    }

    NDArray apply(ParameterStore ps, NDArray x, Packing packing, NDList rope, NDArray mask, Qwen35Cache cache, int index,
            boolean training) {
        NDArray u = inputNorm.apply(ps, x, dtype, training);
        NDArray mixed = linearAttn != null
                ? linearAttn.apply(ps, u, packing.resets(), packing.convOk(), cache, index, training)
                : selfAttn.apply(ps, u, rope, mask, cache, index, training);
        NDArray h = x.add(mixed); // float32 + the projection's dtype: a float32 sum
        NDArray mlpOut = mlp.apply(ps, postNorm.apply(ps, h, dtype, training), training);
        NDArray out = h.add(mlpOut);
        mixed.close(); // residual adds save nothing for backward: free the addends now, not with the batch
        mlpOut.close();
        return out;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        if (linearAttn != null) return new NDList(apply(ps, x, Packing.NONE, null, null, null, 0, training));
        NDArray u = inputNorm.apply(ps, x, dtype, training);
        NDArray h = x.add(selfAttn.forward(ps, new NDList(u), training).singletonOrThrow());
        return new NDList(h.add(mlp.apply(ps, postNorm.apply(ps, h, dtype, training), training)));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape in = inputShapes[0];
        inputNorm.initialize(manager, dataType, in);
        if (linearAttn != null) linearAttn.initialize(manager, dataType, in);
        else selfAttn.initialize(manager, dataType, in);
        postNorm.initialize(manager, dataType, in);
        mlp.initialize(manager, dataType, in);
    }
}
