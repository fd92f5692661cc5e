package dev.smelt.models.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;

/**
 * Scaled dot-product attention with grouped-query heads and additive masks, built from plain matmuls (DJL
 * 0.36 has no fused attention). Query head {@code h} reads KV head {@code h / (H / Hkv)}, as transformers'
 * {@code repeat_kv} does; the query heads of a group are folded into the row axis so K and V are never copied.
 */
public final class Attention {
    /** Added to masked scores; finite so a row can never turn into NaN by {@code 0 · inf}. */
    public static final float MASKED = -1e30f;

    private Attention() {}

    /**
     * The matmuls run in K's type; the query is scaled in its own type (float32 in every model) and rounded to K's
     * once, and softmax runs in float32 (its probabilities rounded to V's type).
     *
     * @param q     {@code [B, H, T, hd]}
     * @param k     {@code [B, Hkv, S, hd]}
     * @param v     {@code [B, Hkv, S, hd]}
     * @param mask  additive float32 mask broadcastable to {@code [B, 1, T, S]} (0 = attend, {@link #MASKED} = not),
     *              or null for "every query sees every key"
     * @return {@code [B, H, T, hd]}
     */
    public static NDArray attend(NDArray q, NDArray k, NDArray v, NDArray mask, float scale) {
        return attend(q, k, v, mask, Scalars.constant(q, scale));
    }

    /** As {@link #attend(NDArray, NDArray, NDArray, NDArray, float)} with the scale as a 0-d array (kept by the caller). */
    public static NDArray attend(NDArray q, NDArray k, NDArray v, NDArray mask, NDArray scale) {
        Shape qs = q.getShape();
        long b = qs.get(0), h = qs.get(1), t = qs.get(2), hd = qs.get(3);
        long hkv = k.getShape().get(1), s = k.getShape().get(2);
        long g = h / hkv;
        NDArray qg = Casts.narrow(q.mul(scale), k.getDataType()).reshape(b, hkv, g * t, hd);
        NDArray raw = qg.matMul(k.transpose(0, 1, 3, 2)); // [B, Hkv, g*T, S]
        DataType dt = raw.getDataType();
        // The [.., T, S] score arrays are the largest of a layer, and autograd keeps none of them (softmax's backward
        // needs only its output), but DJL would keep every one alive until the caller's manager closes: they are
        // closed as soon as softmax has run.
        List<NDArray> spent = new ArrayList<>();
        NDArray scores = Casts.toFloat32(raw);
        spent.add(raw);
        if (mask != null) {
            NDArray grouped = scores.reshape(b, hkv, g, t, s);
            NDArray masked = grouped.add(mask.expandDims(1));
            spent.addAll(List.of(scores, grouped, masked));
            scores = masked.reshape(b, hkv, g * t, s);
        }
        spent.add(scores);
        NDArray probs32 = scores.softmax(-1);
        NDArray probs = Casts.narrow(probs32, dt);
        if (probs != probs32) spent.add(probs32);
        for (NDArray a : spent) a.close();
        return probs.matMul(v).reshape(b, h, t, hd);
    }

    /**
     * {@link #attend} for one query position ({@code T = 1}, no mask: it sees every cached key) in inference, with the
     * same values in fewer ops: {@code q} is scaled in place (the caller hands over a fresh array), and the output
     * comes back as {@code [B, 1, H·hd]}, the layout the output projection reads, without a transpose or a copy.
     */
    public static NDArray attendOne(NDArray q, NDArray k, NDArray v, NDArray scale) {
        Shape qs = q.getShape();
        long b = qs.get(0), h = qs.get(1), hd = qs.get(3);
        long hkv = k.getShape().get(1);
        NDArray qg = Casts.narrow(q.muli(scale), k.getDataType()).reshape(b, hkv, h / hkv, hd);
        NDArray raw = qg.matMul(k.transpose(0, 1, 3, 2));
        DataType dt = raw.getDataType();
        NDArray probs = Casts.narrow(Casts.toFloat32(raw).softmax(-1), dt);
        return probs.matMul(v).reshape(b, 1, h * hd);
    }

    /**
     * Causal mask for {@code t} new queries after {@code past} cached keys: query i (absolute position
     * past + i) sees keys 0..past+i. Shape {@code [1, 1, T, past + T]}.
     */
    public static NDArray causalMask(NDManager m, long past, long t) {
        NDArray qpos = m.arange(past, past + t, 1, DataType.INT64).reshape(t, 1);
        NDArray kpos = m.arange(0, past + t, 1, DataType.INT64).reshape(1, past + t);
        NDArray allowed = kpos.lte(qpos).toType(DataType.FLOAT32, false);
        return allowed.sub(1f).mul(-MASKED).reshape(1, 1, t, past + t);
    }

    /**
     * Mask for packed sequences: query i sees key j when j ≤ i, both carry the same segment id and the key's id
     * is not -1 (padding). Every token also sees itself, so padded rows stay finite (their outputs are
     * meaningless and must be loss-masked). {@code segmentIds} is {@code [B, T]} integer; result {@code [B, 1, T, T]}.
     */
    public static NDArray segmentMask(NDArray segmentIds) {
        NDManager m = segmentIds.getManager();
        long b = segmentIds.getShape().get(0), t = segmentIds.getShape().get(1);
        NDArray seg = segmentIds.toType(DataType.INT64, false);
        NDArray idx = m.arange(0, t, 1, DataType.INT64);
        NDArray causal = idx.reshape(1, t).lte(idx.reshape(t, 1)).reshape(1, t, t);
        NDArray same = seg.reshape(b, t, 1).eq(seg.reshape(b, 1, t));
        NDArray keyValid = seg.reshape(b, 1, t).neq(-1);
        NDArray eye = idx.reshape(1, t).eq(idx.reshape(t, 1)).reshape(1, t, t);
        NDArray allowed = causal.logicalAnd(same).logicalAnd(keyValid).logicalOr(eye).toType(DataType.FLOAT32, false);
        return allowed.sub(1f).mul(-MASKED).reshape(b, 1, t, t);
    }
}
