package dev.smelt.models.dense;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import dev.smelt.models.DecoderCache;

/**
 * Keys and values of every attention layer, {@code [B, Hkv, S, hd]} each, grown by concatenation as tokens
 * arrive. The arrays live in a manager of their own so the per-step managers of the caller can be closed.
 */
public final class KvCache implements DecoderCache {
    private final NDManager manager;
    private final int batchSize;
    private final NDArray[] keys;
    private final NDArray[] values;
    private int length;

    public KvCache(NDManager parent, int numLayers, int batchSize) {
        this.manager = parent.newSubManager();
        this.batchSize = batchSize;
        this.keys = new NDArray[numLayers];
        this.values = new NDArray[numLayers];
    }

    @Override
    public int length() {
        return length;
    }

    public int batchSize() {
        return batchSize;
    }

    /** Appends this step's keys/values of {@code layer} and returns the full ones (cached + new). */
    NDList append(int layer, NDArray k, NDArray v) {
        if (keys[layer] == null) {
            k.attach(manager);
            v.attach(manager);
            keys[layer] = k;
            values[layer] = v;
        } else {
            NDArray nk = keys[layer].concat(k, 2);
            NDArray nv = values[layer].concat(v, 2);
            nk.attach(manager);
            nv.attach(manager);
            keys[layer].close();
            values[layer].close();
            keys[layer] = nk;
            values[layer] = nv;
        }
        return new NDList(keys[layer], values[layer]);
    }

    /** Called once all layers have seen a step of {@code tokens} tokens. */
    void advance(int tokens) {
        length += tokens;
    }

    @Override
    public void close() {
        manager.close();
    }
}
