package dev.smelt.models.qwen35;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import dev.smelt.models.DecoderCache;
import dev.smelt.models.KvBuffer;
import dev.smelt.models.nn.Views;

/**
 * Decoding state of a Qwen3.5 model, per layer: for Gated DeltaNet layers the last (kernel − 1) conv inputs
 * {@code [B, K-1, convDim]} and the recurrent state {@code [B, Hv, dk, dv]} (float32), both of constant size; for
 * attention layers the keys and values ({@link KvBuffer}). Arrays live in a manager of their own so callers can
 * close per-step managers; what the cache hands out is a view in the caller's manager, so arrays computed from
 * the state belong to the step and are never kept by the cache.
 */
public final class Qwen35Cache implements DecoderCache {
    private final NDManager manager;
    private final int batchSize;
    private final int contextLimit;
    private final NDArray[] conv;
    private final NDArray[] recurrent;
    private final KvBuffer[] attention;
    private int length;
    private long ropeDelta;

    Qwen35Cache(NDManager parent, int numLayers, int batchSize, int contextLimit) {
        this.manager = parent.newSubManager();
        this.batchSize = batchSize;
        this.contextLimit = contextLimit;
        this.conv = new NDArray[numLayers];
        this.recurrent = new NDArray[numLayers];
        this.attention = new KvBuffer[numLayers];
    }

    @Override
    public int length() {
        return length;
    }

    public int batchSize() {
        return batchSize;
    }

    /** Conv state of linear layer {@code layer} as a view in {@code into}; null before the first step. */
    NDArray convState(int layer, NDManager into) {
        return conv[layer] == null ? null : Views.in(conv[layer], into);
    }

    /** Recurrent state of linear layer {@code layer} as a view in {@code into}; null before the first step. */
    NDArray recurrentState(int layer, NDManager into) {
        return recurrent[layer] == null ? null : Views.in(recurrent[layer], into);
    }

    /** Replaces the state of linear layer {@code layer}, taking ownership of the new arrays and freeing the old. */
    void putLinear(int layer, NDArray convState, NDArray recurrentState) {
        convState.attach(manager);
        recurrentState.attach(manager);
        if (conv[layer] != null) conv[layer].close();
        if (recurrent[layer] != null) recurrent[layer].close();
        conv[layer] = convState;
        recurrent[layer] = recurrentState;
    }

    /** Appends keys/values {@code [B, Hkv, T, hd]} of attention layer {@code layer}; returns all of them, as step views. */
    NDList appendAttention(int layer, NDArray k, NDArray v) {
        if (attention[layer] == null) attention[layer] = new KvBuffer(manager, contextLimit);
        return attention[layer].append(k, v);
    }

    /** Offset of decoding positions from the cache length (negative after images: they take fewer positions than tokens). */
    public long ropeDelta() {
        return ropeDelta;
    }

    void setRopeDelta(long delta) {
        ropeDelta = delta;
    }

    void advance(int tokens) {
        length += tokens;
    }

    @Override
    public void close() {
        manager.close();
    }
}
