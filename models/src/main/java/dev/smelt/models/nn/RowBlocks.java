package dev.smelt.models.nn;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;

/**
 * {@code x·Wᵀ (+ b)} of a single row {@code x} (decoding: one token), with W's rows cut into one block per intra-op
 * thread and multiplied as one batched matmul. libtorch runs a one-row {@code linear} (a matrix-vector product) on
 * one thread whatever its thread count, while a batched matmul runs its batch entries in parallel, each through the
 * same kernel: the output is the same, and every thread streams its share of the weight. Decoding reads every weight
 * once per token, so this is what spreads it over the cores (on the 2-core machine the product ran 2-3x faster).
 *
 * <p>Used for float32 on CPU with more than one intra-op thread and at least {@link #MIN_BLOCK} weights per block;
 * otherwise, or when the rows do not split evenly, it is {@link Linear}'s plain product. One instance per weight: it keeps the blocked view (no copy) of the array it last saw.
 */
public final class RowBlocks {
    /**
     * Fewest weights per block: below it a thread's share costs less than handing it over, and libtorch multiplies
     * tiny batch entries with its own loop instead of the BLAS kernel (whose summation order differs from linear's).
     */
    static final long MIN_BLOCK = 1 << 15;
    private static volatile int threads; // libtorch's intra-op threads, read once the engine runs

    private final int fixedBlocks; // 0: one per intra-op thread
    private NDArray from;
    private NDArray blocked; // [k, in, out / k], a view of from

    /** Blocks = libtorch's intra-op threads. */
    public RowBlocks() {
        this(0);
    }

    /** A fixed number of blocks (tests). */
    RowBlocks(int blocks) {
        fixedBlocks = blocks;
    }

    /** The projection of {@code x} ({@code [..., in]}, any number of rows) by {@code w} ({@code [out, in]}). */
    public NDArray project(NDArray x, NDArray w, NDArray bias) {
        NDArray view = blocked(x, w);
        if (view == null) return Linear.project(x, w, bias);
        Shape in = x.getShape();
        NDArray y = x.matMul(view).reshape(in.slice(0, in.dimension() - 1).add(w.getShape().get(0)));
        return bias == null ? y : y.addi(bias);
    }

    /** How many blocks {@link #project} cuts {@code w} into for {@code x} (1: a plain linear). */
    int blocks(NDArray x, NDArray w) {
        NDArray view = blocked(x, w);
        return view == null ? 1 : (int) view.getShape().get(0);
    }

    private NDArray blocked(NDArray x, NDArray w) {
        Shape in = x.getShape();
        if (in.size() != in.get(in.dimension() - 1) || x.getDataType() != DataType.FLOAT32 || !cpu(x)
                || w.getDataType() != DataType.FLOAT32 || !cpu(w) || w.getShape().dimension() != 2) {
            return null;
        }
        int k = fixedBlocks > 0 ? fixedBlocks : threads();
        long out = w.getShape().get(0);
        if (k < 2 || out % k != 0 || out / k * w.getShape().get(1) < MIN_BLOCK) return null;
        synchronized (this) {
            if (from != w || blocked == null || blocked.getShape().get(0) != k) {
                // the view belongs to the weight's manager and lives as long as the weight
                blocked = w.reshape(k, out / k, w.getShape().get(1)).transpose(0, 2, 1);
                from = w;
            }
            return blocked;
        }
    }

    private static boolean cpu(NDArray a) {
        return Device.Type.CPU.equals(a.getDevice().getDeviceType());
    }

    private static int threads() {
        int t = threads;
        if (t == 0) {
            t = Math.max(1, JniUtils.getNumThreads());
            threads = t;
        }
        return t;
    }
}
