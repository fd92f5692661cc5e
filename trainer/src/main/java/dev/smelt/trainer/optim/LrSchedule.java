package dev.smelt.trainer.optim;

import dev.smelt.core.SmeltException;
import dev.smelt.trainer.SettingException;

/**
 * Learning rate per optimizer step, as transformers' schedulers compute it: linear warm-up from 0 over
 * {@code warmupSteps}, then cosine or linear decay to 0 at {@code totalSteps} (or constant).
 */
public record LrSchedule(double peak, int warmupSteps, int totalSteps, Kind kind) {

    public enum Kind { COSINE, LINEAR, CONSTANT }

    public LrSchedule {
        if (!(peak > 0)) throw new SettingException("{learningRate} must be > 0, got " + peak);
        if (warmupSteps < 0) throw new SettingException("{warmupSteps} must be >= 0, got " + warmupSteps);
        if (totalSteps <= 0) throw new SmeltException("the run has no optimizer steps (total " + totalSteps + ")");
    }

    /** Learning rate of 0-based optimizer step {@code step}. */
    public double lr(int step) {
        if (step < warmupSteps) return peak * step / Math.max(1, warmupSteps);
        if (kind == Kind.CONSTANT) return peak;
        double progress = (double) (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps);
        progress = Math.min(1.0, progress);
        return switch (kind) {
            case COSINE -> peak * 0.5 * (1 + Math.cos(Math.PI * progress));
            case LINEAR -> peak * (1 - progress);
            case CONSTANT -> peak;
        };
    }
}
