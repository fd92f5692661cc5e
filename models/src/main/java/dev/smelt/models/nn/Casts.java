package dev.smelt.models.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Dtype changes that keep the gradient path. DJL 0.36's {@code toType} (and {@code toDevice}) run libtorch's
 * {@code Tensor::to} under a {@code NoGradGuard} in the JNI layer, so anything computed from their result is
 * cut off from autograd. Widening goes through type promotion (multiplying by a float32 one); narrowing
 * copies into a fresh array of the target type ({@code copy_}, which autograd records and whose backward
 * casts the gradient back). Both are no-ops when the type already matches.
 */
public final class Casts {
    private Casts() {}

    /** {@code x} as float32, differentiably. */
    public static NDArray toFloat32(NDArray x) {
        if (x.getDataType() == DataType.FLOAT32) return x;
        // ones() is libtorch-owned memory, so autograd may keep it after the Java handle is closed
        try (NDArray one = x.getManager().ones(new Shape(1), DataType.FLOAT32, x.getDevice())) {
            return x.mul(one);
        }
    }

    /** {@code x} as {@code type} (usually float16 from float32), differentiably. */
    public static NDArray narrow(NDArray x, DataType type) {
        if (x.getDataType() == type) return x;
        NDArray out = x.getManager().zeros(x.getShape(), type, x.getDevice());
        out.set(new NDIndex("..."), x);
        return out;
    }
}
