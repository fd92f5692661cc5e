package dev.smelt.recipe.format;

import dev.smelt.core.SmeltException;
import java.util.List;

/**
 * A recipe that cannot be read or is not valid: every problem as one line {@code file:line:col: field what}
 * ({@link #problems}); the message is the first one, followed by how many more there are.
 */
public final class RecipeException extends SmeltException {
    private final List<String> problems;

    public RecipeException(List<String> problems) {
        super(problems.get(0) + (problems.size() > 1 ? " (and " + (problems.size() - 1) + " more problem"
                + (problems.size() > 2 ? "s" : "") + ")" : ""));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
