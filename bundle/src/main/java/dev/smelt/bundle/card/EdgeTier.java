package dev.smelt.bundle.card;

import dev.smelt.core.io.ByteSizes;

/**
 * One GGUF file of the edge-tier table: its size, the memory llama.cpp needs to run it (the weights, an f16 KV cache
 * for {@link #CONTEXT} tokens and a fixed {@link #COMPUTE_BUFFER}) and the smallest device class with that much
 * memory to spare.
 */
public record EdgeTier(String file, long bytes, long kvCacheBytes) {
    public static final int CONTEXT = 4096;
    public static final long COMPUTE_BUFFER = 256L << 20;

    public long ramBytes() {
        return bytes + kvCacheBytes + COMPUTE_BUFFER;
    }

    /** f16 K and V for every layer: 2 × layers × context × kv-heads × head-dim × 2 bytes. */
    public static long kvCache(long layers, long kvHeads, long headDim) {
        return 2L * layers * CONTEXT * kvHeads * headDim * 2L;
    }

    public String device() {
        long gib = 1L << 30;
        long ram = ramBytes();
        if (ram <= gib) return "single-board computer or phone with 2 GB RAM";
        if (ram <= 3 * gib) return "phone or Raspberry Pi 5 with 4-8 GB RAM";
        if (ram <= 6 * gib) return "laptop with 8-16 GB RAM or an 8 GB GPU";
        if (ram <= 20 * gib) return "desktop with 32 GB RAM or a 24 GB GPU";
        return "workstation or server GPU with " + ByteSizes.format(ram) + "+";
    }
}
