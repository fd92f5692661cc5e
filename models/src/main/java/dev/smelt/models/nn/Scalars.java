package dev.smelt.models.nn;

import ai.djl.ndarray.NDArray;

/**
 * Scalar operands for ops on the autograd path. DJL 0.36's Number overloads ({@code mul(Number)},
 * {@code pow(Number)}, …) wrap a Java direct buffer in a tensor without copying, apply the op and close
 * that tensor at once. Autograd keeps the scalar for the backward pass (d(x·c)/dx = c); once the JVM frees
 * the buffer, the backward pass reads whatever the memory then holds and the gradient is garbage — only
 * after a garbage collection, so it looked like rare, random corruption. These helpers hand the op a
 * scalar whose memory libtorch owns (a clone), so the saved operand outlives the Java wrapper.
 */
public final class Scalars {
    private Scalars() {}

    /** x · c, safe to differentiate. */
    public static NDArray mul(NDArray x, double c) {
        try (NDArray s = owned(x, c)) {
            return x.mul(s);
        }
    }

    /** x ^ e, safe to differentiate. */
    public static NDArray pow(NDArray x, double e) {
        try (NDArray s = owned(x, e)) {
            return x.pow(s);
        }
    }

    /**
     * Moves an array made from Java memory ({@code manager.create(float[])} and friends) into libtorch-owned
     * memory, closing the Java-backed original. Use it for anything the forward pass may save for backward.
     */
    public static NDArray owned(NDArray javaBacked) {
        try (javaBacked) {
            return javaBacked.duplicate(); // a clone: toDevice(sameDevice, true) would only alias the Java buffer
        }
    }

    /** A 0-d float32 tensor on x's device whose storage belongs to libtorch, not to a Java buffer. */
    public static NDArray owned(NDArray like, double value) {
        NDArray owned = owned(like.getManager().create((float) value));
        if (owned.getDevice().equals(like.getDevice())) return owned;
        try (owned) {
            return owned.toDevice(like.getDevice(), true);
        }
    }
}
