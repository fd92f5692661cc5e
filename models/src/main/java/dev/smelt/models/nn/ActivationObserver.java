package dev.smelt.models.nn;

import ai.djl.ndarray.NDArray;

/**
 * Sees the input of a {@link Linear} projection on every forward, before the projection runs (importance-matrix
 * collection). It must not modify or close {@code input}; it runs on the forward's thread.
 */
@FunctionalInterface
public interface ActivationObserver {
    /** @param input the projection's input {@code [..., in]}, in the model's dtype */
    void observe(Linear linear, NDArray input);
}
