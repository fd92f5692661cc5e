package dev.smelt.recipe.run;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a step made: its files by role (paths relative to the step's directory, or absolute for things outside it, such
 * as a Hub snapshot) and values later steps or the report read (eval loss, gate results). Saved in the step's
 * {@code step.json}, so a cached step hands the same outcome to the steps after it.
 */
public record Outcome(Map<String, String> files, Map<String, Object> values) {
    public Outcome {
        files = new LinkedHashMap<>(files);
        values = new LinkedHashMap<>(values);
    }

    public static Outcome of(Map<String, String> files) {
        return new Outcome(files, Map.of());
    }

    /** A file of this outcome as a path, resolved against the step's directory. */
    public Path file(Path stepDir, String role) {
        String f = files.get(role);
        if (f == null) throw new IllegalStateException("no " + role + " in " + files.keySet());
        return stepDir.resolve(f);
    }
}
