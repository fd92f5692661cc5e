package dev.smelt.models.dense;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.smelt.core.model.DenseConfig;
import dev.smelt.models.load.WeightReader;
import dev.smelt.models.nn.Attention;
import dev.smelt.models.nn.Casts;
import dev.smelt.models.nn.FusedProjections;
import dev.smelt.models.nn.Linear;
import dev.smelt.models.nn.RmsNorm;
import dev.smelt.models.nn.RotaryEmbedding;
import dev.smelt.models.nn.Scalars;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/** Grouped-query self-attention of llama / qwen2 (q/k/v bias) / qwen3 (per-head q/k RMSNorm before RoPE). */
final class DenseAttention extends AbstractBlock {
    private final int heads;
    private final int kvHeads;
    private final int headDim;
    private final float scale;
    final Linear q;
    final Linear k;
    final Linear v;
    final Linear o;
    final RmsNorm qNorm;
    final RmsNorm kNorm;
    private volatile NDArray scaleArray; // 0-d, on the weights' manager
    private final List<Linear> qkv;
    private FusedProjections fusedQkv; // null: separate projections

    DenseAttention(String prefix, DenseConfig c) {
        heads = c.numHeads();
        kvHeads = c.numKvHeads();
        headDim = c.headDim();
        scale = (float) (1.0 / Math.sqrt(headDim));
        long h = c.hiddenSize(), qd = (long) heads * headDim, kvd = (long) kvHeads * headDim;
        q = addChildBlock("q_proj", new Linear(prefix + ".q_proj", h, qd, c.qkvBias()));
        k = addChildBlock("k_proj", new Linear(prefix + ".k_proj", h, kvd, c.qkvBias()));
        v = addChildBlock("v_proj", new Linear(prefix + ".v_proj", h, kvd, c.qkvBias()));
        o = addChildBlock("o_proj", new Linear(prefix + ".o_proj", qd, h, c.outputBias()));
        qkv = List.of(q, k, v);
        if (c.qkNorm()) {
            qNorm = addChildBlock("q_norm", new RmsNorm(prefix + ".q_norm", headDim, c.rmsNormEps()));
            kNorm = addChildBlock("k_norm", new RmsNorm(prefix + ".k_norm", headDim, c.rmsNormEps()));
        } else {
            qNorm = null;
            kNorm = null;
        }
    }

    /**
     * Sets the q/k/v weights from {@code reader} and biases from {@code biasReader}, fused into one projection unless
     * fusion is off.
     */
    void loadQkv(WeightReader reader, WeightReader biasReader) {
        List<NDArray> ws = new ArrayList<>();
        List<NDArray> bs = q.bias() == null ? null : new ArrayList<>();
        for (Linear l : qkv) {
            ws.add(reader.load(l.moduleName() + ".weight"));
            if (bs != null) bs.add(biasReader.load(l.moduleName() + ".bias"));
        }
        fusedQkv = FusedProjections.fuse(qkv, ws, bs);
    }

    /**
     * @param x     {@code [B, T, hidden]}
     * @param rope  float32 cos/sin tables for the T positions
     * @param mask  additive mask {@code [B|1, 1, T, S]} or null
     * @param cache KV cache to append to (then attention covers cached keys too), or null
     */
    NDArray apply(ParameterStore ps, NDArray x, RotaryEmbedding rotary, NDList rope, NDArray mask, KvCache cache,
            int layer, boolean training) {
        Shape s = x.getShape();
        long b = s.get(0), t = s.get(1);
        NDList projected = FusedProjections.apply(fusedQkv, qkv, ps, x, training, headDim);
        NDArray qs = projected.get(0).reshape(b, t, heads, headDim);
        NDArray ks = projected.get(1).reshape(b, t, kvHeads, headDim);
        // biased projections of a float16 model are float32 (Linear): the cache holds keys and values in x's type
        NDArray vs = Casts.narrow(projected.get(2), x.getDataType()).reshape(b, t, kvHeads, headDim).transpose(0, 2, 1, 3);
        // q/k norms and rotary in float32; keys rounded to the cache's type once, after rotary
        if (qNorm != null) {
            qs = qNorm.apply(ps, qs, DataType.FLOAT32, training);
            ks = kNorm.apply(ps, ks, DataType.FLOAT32, training);
        }
        qs = rotary.apply(Casts.toFloat32(qs).transpose(0, 2, 1, 3), rope);
        ks = Casts.narrow(rotary.apply(Casts.toFloat32(ks).transpose(0, 2, 1, 3), rope), vs.getDataType());
        if (cache != null) {
            NDList kv = cache.append(layer, ks, vs);
            ks = kv.get(0);
            vs = kv.get(1);
        }
        NDArray attn = Attention.attend(qs, ks, vs, mask, scale(ps, x, training)); // [B, H, T, hd]
        return o.apply(ps, attn.transpose(0, 2, 1, 3).reshape(b, t, (long) heads * headDim), training);
    }

    /**
     * {@link #apply} for one new position per row ({@code x} is {@code [B, 1, hidden]}) in inference: the same values
     * in fewer ops. The fused q/k/v output is viewed as {@code [B, heads, 1, hd]} (with T = 1 that needs no
     * transpose); without q/k norms q and k, adjacent in it, are rotated together; attention needs no mask.
     * Falls back to {@link #apply} where the fused projection does not apply (adapters, observers, fusion off).
     *
     * @param rope tables from {@link RotaryEmbedding#decodingTables}
     */
    NDArray decode(ParameterStore ps, NDArray x, RotaryEmbedding rotary, NDList rope, Supplier<NDList> generalRope, KvCache cache,
            int layer) {
        NDArray y = FusedProjections.output(fusedQkv, x);
        if (y == null) return apply(ps, x, rotary, generalRope.get(), null, cache, layer, false);
        long b = x.getShape().get(0);
        NDArray all = y.reshape(b, heads + 2L * kvHeads, 1, headDim);
        NDArray qs;
        NDArray ks;
        NDArray vs;
        // as apply: q/k norms and rotary in float32, keys and values cached in x's type
        if (qNorm == null) {
            NDList qkv = all.split(new long[] {heads + kvHeads}, 1);
            NDList qk = rotary.applyDecoding(Casts.toFloat32(qkv.get(0)), rope).split(new long[] {heads}, 1);
            vs = Casts.narrow(qkv.get(1), x.getDataType());
            qs = qk.get(0);
            ks = Casts.narrow(qk.get(1), vs.getDataType());
        } else {
            NDList qkv = all.split(new long[] {heads, heads + kvHeads}, 1);
            vs = Casts.narrow(qkv.get(2), x.getDataType());
            qs = rotary.applyDecoding(qNorm.decode(ps, qkv.get(0), DataType.FLOAT32), rope);
            ks = Casts.narrow(rotary.applyDecoding(kNorm.decode(ps, qkv.get(1), DataType.FLOAT32), rope), vs.getDataType());
        }
        NDList kv = cache.append(layer, ks, vs);
        NDArray attn = Attention.attendOne(qs, kv.get(0), kv.get(1), scale(ps, x, false)); // [B, 1, H·hd]
        return o.decode(ps, attn);
    }

    /** 1/sqrt(hd) as a 0-d array on x's device, made once. */
    private NDArray scale(ParameterStore ps, NDArray x, boolean training) {
        NDArray sc = scaleArray;
        if (sc == null || !sc.getDevice().equals(x.getDevice())) {
            sc = Scalars.owned(ps.getValue(o.weight(), x.getDevice(), training), scale);
            scaleArray = sc;
        }
        return sc;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        throw new UnsupportedOperationException("attention runs inside DenseDecoder, which supplies positions and masks");
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape in = inputShapes[0];
        q.initialize(manager, dataType, in);
        k.initialize(manager, dataType, in);
        v.initialize(manager, dataType, in);
        o.initialize(manager, dataType, q.getOutputShapes(new Shape[] {in}));
        if (qNorm != null) {
            qNorm.initialize(manager, dataType, new Shape(headDim));
            kNorm.initialize(manager, dataType, new Shape(headDim));
        }
    }
}
