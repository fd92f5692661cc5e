package dev.smelt.models.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * DJL puts the result of an op in the manager of its receiver. Arrays that outlive a forward pass (weights, cached
 * state) must therefore never be the receiver of a per-token op, or every result stays allocated as long as they
 * do; {@link #in} hands out a view of such an array that belongs to the forward's manager instead.
 */
public final class Views {
    private Views() {}

    /** A view of {@code held} (same storage, no copy, autograd intact) owned by {@code into}. */
    public static NDArray in(NDArray held, NDManager into) {
        if (held.getManager() == into) return held;
        NDArray view = held.reshape(held.getShape());
        view.attach(into);
        return view;
    }
}
