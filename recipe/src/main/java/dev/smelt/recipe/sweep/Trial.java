package dev.smelt.recipe.sweep;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One trial of a sweep or fleet: its index (the Kubernetes Job completion index, the Slurm array task id), a short
 * name (file-name safe; the release name of the trial is {@code RECIPE-NAME}) and the {@code --set} overrides it
 * applies, as {@code KEY=VALUE} in order.
 */
public record Trial(int index, String name, List<String> overrides) {
    public Trial {
        overrides = List.copyOf(overrides);
    }

    /** The work directory of this trial below a sweep's work directory: {@code trial-I}. */
    public String dirName() {
        return "trial-" + index;
    }

    /** The release name of this trial of a recipe named {@code recipeName}. */
    public String releaseName(String recipeName) {
        return recipeName + "-" + name;
    }

    /** {@code {index, name, overrides}} for JSON reports. */
    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("index", index);
        m.put("name", name);
        m.put("overrides", overrides);
        return m;
    }
}
