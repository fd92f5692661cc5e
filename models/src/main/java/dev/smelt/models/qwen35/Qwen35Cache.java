package dev.smelt.models.qwen35;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.smelt.models.DecoderCache;

/**
 * Decoding state of a Qwen3.5 model, per layer: for Gated DeltaNet layers the last (kernel − 1) conv inputs
 * {@code [B, K-1, convDim]} and the recurrent state {@code [B, Hv, dk, dv]} (float32); for attention layers the
 * keys and values {@code [B, Hkv, S, hd]}. Arrays live in a manager of their own so callers can close
 * per-step managers.
 */
public final class Qwen35Cache implements DecoderCache {
    private final NDManager manager;
    private final int batchSize;
    private final NDArray[] first;
    private final NDArray[] second;
    private int length;

    Qwen35Cache(NDManager parent, int numLayers, int batchSize) {
        this.manager = parent.newSubManager();
        this.batchSize = batchSize;
        this.first = new NDArray[numLayers];
        this.second = new NDArray[numLayers];
    }

    @Override
    public int length() {
        return length;
    }

    public int batchSize() {
        return batchSize;
    }

    /** Conv state (linear layers) or keys (attention layers) of {@code layer}; null before the first step. */
    NDArray first(int layer) {
        return first[layer];
    }

    /** Recurrent state (linear layers) or values (attention layers) of {@code layer}; null before the first step. */
    NDArray second(int layer) {
        return second[layer];
    }

    /** Replaces the arrays of {@code layer}, taking ownership of the new ones and freeing the old. */
    void put(int layer, NDArray a, NDArray b) {
        a.attach(manager);
        b.attach(manager);
        if (first[layer] != null && first[layer] != a) first[layer].close();
        if (second[layer] != null && second[layer] != b) second[layer].close();
        first[layer] = a;
        second[layer] = b;
    }

    void advance(int tokens) {
        length += tokens;
    }

    @Override
    public void close() {
        manager.close();
    }
}
