package dev.smelt.models.nn;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.smelt.core.privacy.DjlTelemetry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Scalar operands for ops on the autograd path. DJL 0.36's Number overloads ({@code mul(Number)},
 * {@code pow(Number)}, …) wrap a Java direct buffer in a tensor without copying, apply the op and close
 * that tensor at once. Autograd keeps the scalar for the backward pass (d(x·c)/dx = c); once the JVM frees
 * the buffer, the backward pass reads whatever the memory then holds and the gradient is garbage — only
 * after a garbage collection, so it looked like rare, random corruption. These helpers hand the op a
 * scalar whose memory libtorch owns (a clone), so the saved operand outlives the Java wrapper.
 */
public final class Scalars {
    static {
        DjlTelemetry.disable(); // before this class creates DJL objects
    }

    /** Constants by device and value, in a manager of their own that lives as long as the process. */
    private static final Map<Device, NDManager> CONSTANT_MANAGERS = new ConcurrentHashMap<>();
    private static final Map<Device, Map<Float, NDArray>> CONSTANTS = new ConcurrentHashMap<>();

    private Scalars() {}

    /**
     * A 0-d float32 constant on x's device, made once per device and value and shared by every caller (never close
     * it). Creating a scalar from Java costs a host-to-native copy and a clone per call (tens of microseconds; the
     * Number overloads cost the same and are unsafe under autograd), so the constants of a forward pass (eps,
     * exponents, scales) come from here. Like {@link #owned(NDArray, double)} it is float32: with a float16 tensor
     * the result stays float16 (a 0-d operand does not promote).
     */
    public static NDArray constant(NDArray like, double value) {
        Device d = like.getDevice();
        Map<Float, NDArray> byValue = CONSTANTS.computeIfAbsent(d, k -> new ConcurrentHashMap<>());
        NDArray c = byValue.get((float) value);
        if (c != null) return c;
        synchronized (CONSTANTS) {
            c = byValue.get((float) value);
            if (c == null) {
                NDManager m = CONSTANT_MANAGERS.computeIfAbsent(d, NDManager::newBaseManager);
                NDArray host = m.create((float) value);
                c = host.duplicate(); // libtorch-owned storage (see owned)
                host.close();
                byValue.put((float) value, c);
            }
            return c;
        }
    }

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
