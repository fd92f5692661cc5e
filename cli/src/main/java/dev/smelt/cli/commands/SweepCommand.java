package dev.smelt.cli.commands;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.smelt.recipe.format.RecipeException;
import dev.smelt.recipe.format.RecipeLoader;
import dev.smelt.recipe.sweep.GridAxis;
import dev.smelt.recipe.sweep.Sweep;
import dev.smelt.recipe.sweep.Trial;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "sweep", description = {
        "Hyper-parameter sweeps and per-customer fleets of one recipe: expand the trials (smelt recipe run FILE --trial I "
        + "runs one; smelt fleet submit runs them all as one Kubernetes Indexed Job)."},
        subcommands = {SweepCommand.Expand.class})
public final class SweepCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getErr());
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand (expand)");
    }

    /** The trial options shared by sweep expand, recipe run --trial and fleet submit. */
    public static final class TrialSource {
        @Option(names = "--grid", paramLabel = "KEY=V1,V2", description = "A recipe field and its values (repeatable; replaces the recipe's "
                + "sweep: section). Trials are the cartesian product, the first --grid varying slowest.")
        public List<String> grid = new ArrayList<>();

        @Option(names = "--customers", paramLabel = "FILE", description = "One trial per customer: a YAML file of customers: "
                + "[{name, set: {FIELD: VALUE}}] (see recipe/README.md).")
        public Path customers;

        public Sweep resolve(RecipeLoader.Loaded l) {
            return Sweep.resolve(l, grid, customers);
        }
    }

    @Command(name = "expand", description = {
            "Print the trials of a sweep in order (trial i is index i): each trial's name and --set overrides. The grid "
            + "comes from --grid flags, a --customers file or the recipe's sweep: section; every trial is validated like "
            + "smelt recipe validate."})
    public static final class Expand implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "FILE", description = "Recipe (.yaml).")
        Path file;

        @CommandLine.Mixin
        TrialSource trials = new TrialSource();

        @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override a field of every trial, e.g. train.max_steps=50 (repeatable).")
        List<String> overrides = new ArrayList<>();

        @Option(names = "--json", description = "Print the trials as JSON: {recipe, source, keys, count, trials: [{index, name, release, overrides}]}.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            RecipeLoader loader = new RecipeLoader();
            RecipeLoader.Loaded l;
            Sweep sweep;
            try {
                l = loader.load(file, overrides);
                sweep = trials.resolve(l);
                sweep.validate(loader, file, overrides, l.recipe().name());
            } catch (RecipeException e) {
                return RecipeCommand.report(e, spec.commandLine().getErr());
            }
            PrintWriter out = spec.commandLine().getOut();
            String name = l.recipe().name();
            if (json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("recipe", file.toString());
                m.put("source", sweep.source().name().toLowerCase());
                m.put("keys", sweep.axes().stream().map(GridAxis::key).toList());
                m.put("count", sweep.size());
                List<Map<String, Object>> ts = new ArrayList<>();
                for (Trial t : sweep.trials()) {
                    Map<String, Object> j = t.toJson();
                    j.put("release", t.releaseName(name));
                    ts.add(j);
                }
                m.put("trials", ts);
                out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(m));
            } else {
                int width = Math.max(4, sweep.trials().stream().mapToInt(t -> t.name().length()).max().orElse(4));
                out.printf("%-5s  %-" + width + "s  %s%n", "trial", "name", "overrides");
                for (Trial t : sweep.trials()) {
                    out.printf("%-5d  %-" + width + "s  %s%n", t.index(), t.name(), String.join(" ", t.overrides()));
                }
                out.println(sweep.size() + " trial" + (sweep.size() == 1 ? "" : "s") + " of " + name + " ("
                        + describe(sweep) + "); run one with: smelt recipe run " + file + " --trial I");
            }
            out.flush();
            return 0;
        }
    }

    static String describe(Sweep s) {
        return switch (s.source()) {
            case CUSTOMERS -> "customers from " + s.customersFile();
            case GRID, RECIPE -> (s.source() == Sweep.Source.RECIPE ? "the recipe's sweep.grid " : "grid ")
                    + String.join(" x ", s.axes().stream().map(GridAxis::key).toList()) + ", the first varying slowest";
        };
    }
}
