package dev.smelt.models;

import dev.smelt.core.SmeltException;

/**
 * The one place that sets PyTorch's CPU thread counts (the {@code ai.djl.pytorch.num_threads} and
 * {@code ai.djl.pytorch.num_interop_threads} properties). DJL reads them once, when the engine starts, so call
 * {@link #configure} before anything touches the engine. A value given with {@code -D} is kept unless a thread
 * count is passed explicitly.
 */
public final class TorchThreads {
    static final String INTRA_OP = "ai.djl.pytorch.num_threads";
    static final String INTER_OP = "ai.djl.pytorch.num_interop_threads";

    private TorchThreads() {}

    /** The intra-op thread count used when none is given. */
    public enum Default {
        /**
         * Half the available processors, at least 1: decoding a token is a long chain of small ops, and OpenMP threads
         * spinning on every core (or on hyper-threads) cost more than they give.
         */
        HALF_PROCESSORS,
        /** libtorch's own choice (one per core): training's large matrix products use every core. */
        LIBTORCH
    }

    /**
     * Sets the intra-op threads to {@code threads}, or when null to {@code fallback} unless {@code -D} set them; the
     * inter-op pool to one thread unless {@code -D} set it (our models run one op at a time, so a second pool only
     * competes for the cores).
     */
    public static void configure(Integer threads, Default fallback) {
        if (threads != null && threads < 1) throw new SmeltException("threads must be >= 1, got " + threads);
        if (threads != null) {
            System.setProperty(INTRA_OP, threads.toString());
        } else if (fallback == Default.HALF_PROCESSORS && System.getProperty(INTRA_OP) == null) {
            System.setProperty(INTRA_OP, Integer.toString(halfProcessors()));
        }
        if (System.getProperty(INTER_OP) == null) System.setProperty(INTER_OP, "1");
    }

    /** The intra-op thread count set so far, or null when libtorch chooses. */
    public static Integer intraOp() {
        String v = System.getProperty(INTRA_OP);
        return v == null ? null : Integer.valueOf(v);
    }

    /** Half the available processors, at least 1. */
    public static int halfProcessors() {
        return Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
    }
}
