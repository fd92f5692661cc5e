package dev.smelt.bundle.card;

import dev.smelt.core.io.ByteSizes;
import dev.smelt.quantizer.plan.RuntimeMemory;
import dev.smelt.quantizer.plan.Tier;
import java.util.List;
import java.util.stream.Collectors;

/**
 * One GGUF file of the edge-tier table: its size and, when the model's config is known, the memory llama.cpp needs
 * for it at {@link #CONTEXT} tokens (the file plus the quantizer's {@link RuntimeMemory} estimate, as
 * {@code smelt quantize --plan} computes it) and the {@link Tier}s that fit it. {@code runtimeBytes} is -1 when
 * no config.json was there to estimate from.
 */
public record EdgeTier(String file, long bytes, long runtimeBytes) {
    public static final int CONTEXT = 4096;

    public boolean known() {
        return runtimeBytes >= 0;
    }

    public long ramBytes() {
        return bytes + Math.max(0, runtimeBytes);
    }

    public String ram() {
        return known() ? ByteSizes.format(ramBytes()) : "unknown (no config.json)";
    }

    public String device() {
        if (!known()) return "see RAM";
        List<Tier> fits = Tier.fitting(ramBytes());
        if (fits.isEmpty()) return "more than a laptop's 8 GiB: a 16 GB+ GPU or workstation";
        return fits.stream().map(t -> t.label() + " (" + ByteSizes.format(t.budgetBytes()) + ")").collect(Collectors.joining(", "));
    }
}
