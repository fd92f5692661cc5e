package dev.smelt.quantizer.plan;

import java.util.ArrayList;
import java.util.List;

/**
 * Where a quantized model is meant to run, by the memory it may use there: a phone app's budget (2 GiB), an 8 GB
 * GPU (8 GiB of VRAM less 512 MiB that the driver, CUDA context and display keep), a laptop's RAM (8 GiB).
 */
public enum Tier {
    PHONE("phone", 2L << 30),
    GPU_8GB("gpu-8gb", (8L << 30) - (512L << 20)),
    LAPTOP("laptop", 8L << 30);

    private final String label;
    private final long budgetBytes;

    Tier(String label, long budgetBytes) {
        this.label = label;
        this.budgetBytes = budgetBytes;
    }

    public String label() {
        return label;
    }

    public long budgetBytes() {
        return budgetBytes;
    }

    /** The tiers whose budget holds {@code bytes}, smallest budget first. */
    public static List<Tier> fitting(long bytes) {
        List<Tier> out = new ArrayList<>();
        for (Tier t : values()) if (bytes <= t.budgetBytes) out.add(t);
        return out;
    }
}
