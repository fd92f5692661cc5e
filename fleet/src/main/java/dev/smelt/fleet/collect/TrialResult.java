package dev.smelt.fleet.collect;

import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One trial's run as its JSON report tells it: index and name (null for a run that was not a trial), release name,
 * status and exit code, the validation loss (the trainer's final eval loss), the worst GGUF's mean KL and top-1
 * agreement from the gates, whether every gate passed (null: no gates), the bundle, and where the report came from.
 */
public record TrialResult(Integer index, String trial, String release, String status, int exitCode, Double evalLoss, Double maxKl,
        Double minTop1, Boolean gatesPassed, String bundle, String source) {

    /**
     * Best first: finished runs before gate failures before failed or stopped runs, then lower validation loss, then
     * lower KL, then higher top-1 agreement (a missing value after any present one), then by index.
     */
    public static final Comparator<TrialResult> BEST_FIRST = Comparator.comparingInt(TrialResult::statusRank)
            .thenComparing(TrialResult::evalLoss, Comparator.nullsLast(Comparator.naturalOrder()))
            .thenComparing(TrialResult::maxKl, Comparator.nullsLast(Comparator.naturalOrder()))
            .thenComparing(TrialResult::minTop1, Comparator.nullsLast(Comparator.reverseOrder()))
            .thenComparing(TrialResult::index, Comparator.nullsLast(Comparator.naturalOrder()));

    int statusRank() {
        return switch (status) {
            case "ok" -> 0;
            case "gate-failed" -> 1;
            default -> 2;
        };
    }

    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("index", index);
        m.put("trial", trial);
        m.put("release", release);
        m.put("status", status);
        m.put("exit_code", exitCode);
        m.put("eval_loss", evalLoss);
        m.put("max_kl", maxKl);
        m.put("min_top1", minTop1);
        m.put("gates_passed", gatesPassed);
        m.put("bundle", bundle);
        m.put("source", source);
        return m;
    }
}
