package dev.smelt.cli.commands;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.smelt.recipe.format.RecipeException;
import dev.smelt.recipe.format.RecipeLoader;
import dev.smelt.recipe.format.RecipeSchema;
import dev.smelt.recipe.sweep.Sweep;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "recipe", description = {
        "Recipes: one YAML file from base model to verified release (pull, train, merge, GGUF/ONNX exports, quality gates, "
        + "bundle, push), run like a build tool. See recipes/README.md for the format."},
        subcommands = {RecipeRunCommand.class, RecipeCommand.Validate.class, RecipeCommand.Schema.class})
public final class RecipeCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getErr());
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand (run, validate, schema)");
    }

    /** Prints every problem of a recipe as {@code smelt: error: file:line:col: ...}; exit 1. */
    static int report(RecipeException e, PrintWriter err) {
        for (String p : e.problems()) err.println("smelt: error: " + p);
        err.flush();
        return 1;
    }

    @Command(name = "validate", description = {
            "Check a recipe without running it: YAML syntax, unknown keys, types and ranges of every field, substitutions "
            + "and the checks between fields (and every trial of its sweep: section). Every problem is printed as FILE:LINE:COL: FIELD ...; exit 1 when there is one."})
    public static final class Validate implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "FILE", description = "Recipe (.yaml).")
        Path file;

        @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override a field, e.g. train.lora.r=32 (repeatable).")
        List<String> overrides = new ArrayList<>();

        @Override
        public Integer call() {
            try {
                RecipeLoader loader = new RecipeLoader();
                RecipeLoader.Loaded l = loader.load(file, overrides);
                String trials = "";
                if (l.recipe().sweep() != null) {
                    // every trial of the recipe's own sweep must load too
                    Sweep sweep = Sweep.of(l.recipe().sweep());
                    sweep.validate(loader, file, overrides, l.recipe().name());
                    trials = ", " + sweep.size() + " trial" + (sweep.size() == 1 ? "" : "s");
                }
                spec.commandLine().getOut().println(file + ": ok (" + l.recipe().name() + " " + l.recipe().version() + trials + ")");
                spec.commandLine().getOut().flush();
                return 0;
            } catch (RecipeException e) {
                return report(e, spec.commandLine().getErr());
            }
        }
    }

    @Command(name = "schema", description = "Print the recipe format as JSON Schema (for editor completion, e.g. yaml-language-server).")
    public static final class Schema implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(RecipeSchema.schema()));
            out.flush();
            return 0;
        }
    }
}
