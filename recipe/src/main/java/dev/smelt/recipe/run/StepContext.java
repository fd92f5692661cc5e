package dev.smelt.recipe.run;

import dev.smelt.recipe.format.RecipeLoader;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;

/** What a running step sees: its directory, its inputs' outcomes and directories, the recipe and the run's options. */
public record StepContext(Path dir, Map<String, Outcome> inputs, Map<String, Path> inputDirs, RecipeLoader.Loaded recipe,
        RunOptions options, StopSignal stop) {
    /** A file an input step made. */
    public Path input(String step, String role) {
        Outcome o = inputs.get(step);
        if (o == null) throw new IllegalStateException(step + " is not an input (" + inputs.keySet() + ")");
        return o.file(inputDirs.get(step), role);
    }

    /** Progress lines; null when quiet. */
    public PrintStream log() {
        return options.log();
    }
}
