package dev.smelt.models.qwen35;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.smelt.core.model.Qwen35Config;
import dev.smelt.models.nn.Attention;
import dev.smelt.models.nn.Casts;
import dev.smelt.models.nn.Linear;
import dev.smelt.models.nn.RmsNorm;
import dev.smelt.models.nn.RotaryEmbedding;
import java.util.List;

/**
 * Gated full attention of Qwen3.5 ({@code <prefix>.self_attn}): q_proj yields, per head, the query followed by
 * an output gate (head h: rows [h·2hd, h·2hd+hd) query, the next hd rows gate); (1+w) RMSNorm on q and k per
 * head; partial rotary (first rotaryDim channels) with mRoPE tables; GQA; the attention output is multiplied
 * by sigmoid(gate) before o_proj. With {@code attn_output_gate: false} q_proj holds only the query.
 */
public final class GatedAttention extends AbstractBlock {
    final Linear q;
    final Linear k;
    final Linear v;
    final Linear o;
    final RmsNorm qNorm;
    final RmsNorm kNorm;
    private final int heads;
    private final int kvHeads;
    private final int headDim;
    private final boolean gated;
    private final RotaryEmbedding rotary;
    private final MRope mrope;

    GatedAttention(String prefix, Qwen35Config c, RotaryEmbedding rotary, MRope mrope) {
        this.rotary = rotary;
        this.mrope = mrope;
        heads = c.numHeads();
        kvHeads = c.numKvHeads();
        headDim = c.headDim();
        gated = c.attnOutputGate();
        long h = c.hiddenSize(), qd = (long) heads * headDim, kvd = (long) kvHeads * headDim;
        q = addChildBlock("q_proj", new Linear(prefix + ".q_proj", h, gated ? 2 * qd : qd, false));
        k = addChildBlock("k_proj", new Linear(prefix + ".k_proj", h, kvd, false));
        v = addChildBlock("v_proj", new Linear(prefix + ".v_proj", h, kvd, false));
        o = addChildBlock("o_proj", new Linear(prefix + ".o_proj", qd, h, false));
        qNorm = addChildBlock("q_norm", new RmsNorm(prefix + ".q_norm", headDim, c.rmsNormEps(), true));
        kNorm = addChildBlock("k_norm", new RmsNorm(prefix + ".k_norm", headDim, c.rmsNormEps(), true));
    }

    List<Linear> linears() {
        return List.of(q, k, v, o);
    }

    /**
     * @param rope  float32 cos/sin tables {@code [B, 1, T, rot]}
     * @param mask  additive mask {@code [B or 1, 1, T, S]} or null (single token after the cache)
     */
    NDArray apply(ParameterStore ps, NDArray x, NDList rope, NDArray mask, Qwen35Cache cache, int layer,
            boolean training) {
        Shape xs = x.getShape();
        long b = xs.get(0), t = xs.get(1);
        NDArray qg = q.apply(ps, x, training);
        NDArray query;
        NDArray gate = null;
        if (gated) {
            NDList halves = qg.reshape(b, t, heads, 2L * headDim).split(2, 3);
            query = halves.get(0);
            gate = halves.get(1).reshape(b, t, (long) heads * headDim);
        } else {
            query = qg.reshape(b, t, heads, headDim);
        }
        // q/k norms and rotary in float32; keys rounded to the cache's (the values') type once, after rotary
        query = qNorm.apply(ps, query, DataType.FLOAT32, training).transpose(0, 2, 1, 3);
        NDArray key = kNorm.apply(ps, k.apply(ps, x, training).reshape(b, t, kvHeads, headDim), DataType.FLOAT32, training)
                .transpose(0, 2, 1, 3);
        NDArray value = v.apply(ps, x, training).reshape(b, t, kvHeads, headDim).transpose(0, 2, 1, 3);
        query = rotary.apply(query, rope);
        key = Casts.narrow(rotary.apply(key, rope), value.getDataType());
        if (cache != null) {
            NDList held = cache.appendAttention(layer, key, value);
            key = held.get(0);
            value = held.get(1);
        }
        NDArray out = Attention.attend(query, key, value, mask, (float) (1 / Math.sqrt(headDim)))
                .transpose(0, 2, 1, 3).reshape(b, t, (long) heads * headDim);
        if (gate != null) { // the output gate in float32, rounded once for o_proj
            NDArray gf = Casts.toFloat32(gate);
            out = Casts.narrow(Casts.toFloat32(out).mul(Activation.sigmoid(gf)), value.getDataType());
        }
        return o.apply(ps, out, training);
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        // Standalone use: one causal sequence per row at positions 0..T-1.
        NDArray x = inputs.singletonOrThrow();
        NDManager m = x.getManager();
        long t = x.getShape().get(1);
        NDList rope = mrope.tables(m.arange(0, t, 1, DataType.INT64).reshape(1, t), DataType.FLOAT32);
        return new NDList(apply(ps, x, rope, Attention.causalMask(m, 0, t), null, 0, training));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape in = inputShapes[0];
        for (Linear l : List.of(q, k, v)) l.initialize(manager, dataType, in);
        o.initialize(manager, dataType, in.slice(0, in.dimension() - 1).add((long) heads * headDim));
        qNorm.initialize(manager, dataType, new Shape(headDim));
        kNorm.initialize(manager, dataType, new Shape(headDim));
    }
}
