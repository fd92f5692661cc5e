package dev.smelt.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;

/**
 * Keys and values of one attention layer, {@code [B, Hkv, S, hd]} each, in buffers preallocated along S and
 * written in place. A buffer that fills up is replaced by one twice as long (at most {@code limit} positions), so
 * memory is linear in the context length and each token costs a copy of its own keys/values only, where
 * growing by concatenation would copy the whole cache every token.
 *
 * <p>The buffers belong to the cache's manager. What {@link #append} returns are views attached to the manager of
 * the new keys (the caller's per-step manager): arrays computed from them land there too, and are freed with the
 * step, never kept alive by the cache.
 */
public final class KvBuffer {
    private static final long INITIAL = 64;

    private final NDManager manager;
    private final long limit;
    private NDArray keys;
    private NDArray values;
    private long length;

    /** @param limit most positions ever held (the model's context limit) */
    public KvBuffer(NDManager manager, long limit) {
        this.manager = manager;
        this.limit = limit;
    }

    /** Positions held. */
    public long length() {
        return length;
    }

    /** Positions the buffers have room for (for tests of the growth rule). */
    public long capacity() {
        return keys == null ? 0 : keys.getShape().get(2);
    }

    /** Writes {@code k}, {@code v} ({@code [B, Hkv, T, hd]}) after the held positions; returns all keys and values. */
    public NDList append(NDArray k, NDArray v) {
        long t = k.getShape().get(2);
        long needed = length + t;
        if (needed > capacity()) grow(k, v, needed);
        NDIndex write = new NDIndex().addAllDim().addAllDim().addSliceDim(length, needed);
        keys.set(write, k);
        values.set(write, v);
        length = needed;
        NDIndex held = new NDIndex().addAllDim().addAllDim().addSliceDim(0, length);
        NDArray kv = keys.get(held);
        NDArray vv = values.get(held);
        kv.attach(k.getManager());
        vv.attach(k.getManager());
        return new NDList(kv, vv);
    }

    private void grow(NDArray k, NDArray v, long needed) {
        long size = Math.max(needed, Math.min(Math.max(INITIAL, 2 * capacity()), Math.max(limit, needed)));
        Shape ks = k.getShape();
        Shape vs = v.getShape();
        NDArray nk = manager.zeros(new Shape(ks.get(0), ks.get(1), size, ks.get(3)), k.getDataType(), k.getDevice());
        NDArray nv = manager.zeros(new Shape(vs.get(0), vs.get(1), size, vs.get(3)), v.getDataType(), v.getDevice());
        if (keys != null) {
            NDIndex held = new NDIndex().addAllDim().addAllDim().addSliceDim(0, length);
            try (NDArray oldK = keys.get(held); NDArray oldV = values.get(held)) {
                nk.set(held, oldK);
                nv.set(held, oldV);
            }
            keys.close();
            values.close();
        }
        keys = nk;
        values = nv;
    }
}
