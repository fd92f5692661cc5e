package dev.smelt.trainer.optim;

/**
 * Dynamic loss scaling for float16 training ({@code torch.amp.GradScaler}'s policy): the loss is
 * multiplied by the scale before backward; a step whose gradients overflow is skipped and halves the
 * scale; {@code growthInterval} clean steps in a row double it.
 */
public final class LossScaler {
    private final boolean enabled;
    private final int growthInterval;
    private double scale;
    private int goodSteps;

    public LossScaler(boolean enabled, double initialScale, int growthInterval) {
        this.enabled = enabled;
        this.scale = enabled ? initialScale : 1.0;
        this.growthInterval = growthInterval;
    }

    public static LossScaler disabled() {
        return new LossScaler(false, 1.0, Integer.MAX_VALUE);
    }

    public static LossScaler fp16() {
        return new LossScaler(true, 65536.0, 2000);
    }

    public boolean enabled() {
        return enabled;
    }

    public double scale() {
        return scale;
    }

    public int goodSteps() {
        return goodSteps;
    }

    public void restore(double scale, int goodSteps) {
        if (!enabled) return;
        this.scale = scale;
        this.goodSteps = goodSteps;
    }

    /** Records the outcome of a step; returns true when the optimizer may apply it. */
    public boolean update(boolean gradsFinite) {
        if (!enabled) return gradsFinite;
        if (!gradsFinite) {
            scale = Math.max(1.0, scale * 0.5);
            goodSteps = 0;
            return false;
        }
        if (++goodSteps >= growthInterval) {
            scale *= 2;
            goodSteps = 0;
        }
        return true;
    }
}
