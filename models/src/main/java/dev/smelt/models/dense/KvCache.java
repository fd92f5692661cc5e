package dev.smelt.models.dense;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import dev.smelt.models.DecoderCache;
import dev.smelt.models.KvBuffer;

/**
 * Keys and values of every attention layer ({@link KvBuffer}: preallocated, written in place). The arrays live in
 * a manager of their own so the per-step managers of the caller can be closed.
 */
public final class KvCache implements DecoderCache {
    private final NDManager manager;
    private final int batchSize;
    private final KvBuffer[] layers;
    private int length;

    public KvCache(NDManager parent, int numLayers, int batchSize, int contextLimit) {
        this.manager = parent.newSubManager();
        this.batchSize = batchSize;
        this.layers = new KvBuffer[numLayers];
        for (int i = 0; i < numLayers; i++) layers[i] = new KvBuffer(manager, contextLimit);
    }

    @Override
    public int length() {
        return length;
    }

    public int batchSize() {
        return batchSize;
    }

    /** Appends this step's keys/values of {@code layer} and returns the full ones (cached + new), as step views. */
    NDList append(int layer, NDArray k, NDArray v) {
        return layers[layer].append(k, v);
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
