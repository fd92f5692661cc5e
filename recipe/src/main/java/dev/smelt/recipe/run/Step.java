package dev.smelt.recipe.run;

import java.util.List;
import java.util.Map;

/**
 * One stage of a recipe. A step is constructed from the recipe ({@link Plan}: its name, the steps whose outputs it
 * reads, and its resolved settings), set up by the {@link RecipeRunner} (its key: a hash of those settings and its
 * inputs' keys, which names its directory under the work directory), then run into that directory when no finished
 * run of the same key is there. New step kinds join this family and {@link Plan}.
 */
public sealed interface Step permits Steps.Base, Steps.Train, Steps.Merge, Steps.Imatrix, Steps.Gguf, Steps.LoraGguf,
        Steps.Onnx, Steps.Mmproj, Steps.Gates, Steps.Bundle, Steps.Push {
    /** Unique within a recipe, e.g. {@code train} or {@code gguf-Q4_K_M}. */
    String name();

    /** The kind, e.g. {@code gguf}; {@code --from gguf} names every step of a kind. */
    String kind();

    /** Names of the steps whose outcomes this one reads. */
    List<String> inputs();

    /** Everything that decides this step's output besides its inputs (content hashes of local data included). */
    Map<String, Object> settings();

    /** Makes the outputs in {@code ctx.dir()}. */
    Outcome run(StepContext ctx) throws Exception;

    /** Whether an unfinished run's files are kept for the next attempt (training resumes from its checkpoints). */
    default boolean resumable() {
        return false;
    }
}
