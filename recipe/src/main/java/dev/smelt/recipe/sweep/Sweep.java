package dev.smelt.recipe.sweep;

import dev.smelt.core.SmeltException;
import dev.smelt.recipe.format.Recipe;
import dev.smelt.recipe.format.RecipeException;
import dev.smelt.recipe.format.RecipeLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The trials of one recipe, from exactly one source: a grid ({@code --grid} flags, which replace the recipe's
 * {@code sweep.grid}, or that section) or a customers file. Grid trials are the cartesian product in a fixed order:
 * the first key varies slowest, the last fastest, so trial i is index i on every machine and in every run
 * ({@code lr=1e-4,2e-4} x {@code r=8,16} gives (1e-4,8), (1e-4,16), (2e-4,8), (2e-4,16)).
 */
public final class Sweep {
    /** The most trials one sweep may have (a Kubernetes Indexed Job allows 100,000 completions; this is a typo guard). */
    public static final int MAX_TRIALS = 10_000;

    /** Where the trials come from: the command line's grid, the recipe's sweep: section, or a customers file. */
    public enum Source { GRID, RECIPE, CUSTOMERS }

    private final Source source;
    private final List<GridAxis> axes;
    private final List<Trial> customers;
    private final Path customersFile;
    private final int size;

    private Sweep(Source source, List<GridAxis> axes, List<Trial> customers, Path customersFile) {
        this.source = source;
        this.axes = List.copyOf(axes);
        this.customers = customers == null ? null : List.copyOf(customers);
        this.customersFile = customersFile;
        if (customers != null) {
            size = customers.size();
        } else {
            long n = 1;
            for (GridAxis a : axes) {
                n *= a.values().size();
                if (n > MAX_TRIALS) throw new SmeltException("the grid has more than " + MAX_TRIALS + " trials; sweep fewer values");
            }
            size = (int) n;
        }
    }

    /** A grid from {@code --grid KEY=V1,V2} arguments, in the order given. */
    public static Sweep grid(List<String> args) {
        List<GridAxis> axes = new ArrayList<>();
        for (String a : args) {
            GridAxis g = GridAxis.parse(a);
            if (axes.stream().anyMatch(x -> x.key().equals(g.key()))) throw new SmeltException("--grid " + g.key() + ": given twice");
            axes.add(g);
        }
        return new Sweep(Source.GRID, axes, null, null);
    }

    /** The recipe's own {@code sweep.grid} (its keys were checked when it was loaded). */
    public static Sweep of(Recipe.Sweep s) {
        List<GridAxis> axes = new ArrayList<>();
        for (Map.Entry<String, List<String>> e : s.grid().entrySet()) axes.add(new GridAxis(e.getKey(), e.getValue()));
        return new Sweep(Source.RECIPE, axes, null, null);
    }

    /** One trial per customer of a customers file ({@link Customers}). */
    public static Sweep customers(Path file) {
        return new Sweep(Source.CUSTOMERS, List.of(), Customers.read(file), file);
    }

    /**
     * The sweep a command asks for: {@code --grid} flags, else {@code --customers FILE}, else the recipe's
     * {@code sweep:} section; both flags at once, or none of the three, is an error.
     */
    public static Sweep resolve(RecipeLoader.Loaded recipe, List<String> gridArgs, Path customersFile) {
        boolean grid = gridArgs != null && !gridArgs.isEmpty();
        if (grid && customersFile != null) throw new SmeltException("--grid and --customers: give one of them, not both");
        if (grid) return grid(gridArgs);
        if (customersFile != null) return customers(customersFile);
        if (recipe.recipe().sweep() != null) return of(recipe.recipe().sweep());
        throw new SmeltException(recipe.file() + ": no trials: give --grid KEY=V1,V2 or --customers FILE, or add a sweep: section");
    }

    public Source source() {
        return source;
    }

    public List<GridAxis> axes() {
        return axes;
    }

    /** The customers file, for {@link Source#CUSTOMERS}; null otherwise. */
    public Path customersFile() {
        return customersFile;
    }

    public int size() {
        return size;
    }

    /** Trial {@code i}: for a grid, digit j of i in the mixed radix of the value counts (last key fastest). */
    public Trial trial(int i) {
        if (i < 0 || i >= size) {
            throw new SmeltException("--trial " + i + ": the sweep has " + size + " trial" + (size == 1 ? "" : "s")
                    + " (0-" + (size - 1) + ")");
        }
        if (customers != null) return customers.get(i);
        String[] picked = new String[axes.size()];
        int rest = i;
        for (int j = axes.size() - 1; j >= 0; j--) {
            List<String> v = axes.get(j).values();
            picked[j] = v.get(rest % v.size());
            rest /= v.size();
        }
        List<String> sets = new ArrayList<>();
        StringBuilder name = new StringBuilder("t").append(i);
        for (int j = 0; j < axes.size(); j++) {
            sets.add(axes.get(j).key() + "=" + picked[j]);
            name.append('-').append(axes.get(j).shortKey()).append(safe(picked[j]));
        }
        String n = name.length() > 48 ? name.substring(0, 48) : name.toString();
        return new Trial(i, n.replaceAll("[-.]+$", ""), sets);
    }

    public List<Trial> trials() {
        List<Trial> out = new ArrayList<>(size);
        for (int i = 0; i < size; i++) out.add(trial(i));
        return out;
    }

    private static String safe(String value) {
        return value.replaceAll("[^A-Za-z0-9._-]", "");
    }

    /** The overrides that make trial {@code t} of {@code recipeName}: its own, then {@code name=RECIPE-TRIAL}. */
    public static List<String> sets(String recipeName, Trial t) {
        List<String> out = new ArrayList<>(t.overrides());
        out.add("name=" + t.releaseName(recipeName));
        return out;
    }

    /**
     * The recipe of trial {@code t}: {@code file} with the user's {@code --set}s, then the trial's, then its name.
     * A trial's value that does not fit its field fails like a {@code --set} (naming it).
     */
    public static RecipeLoader.Loaded load(RecipeLoader loader, Path file, List<String> userSets, String recipeName, Trial t) {
        List<String> all = new ArrayList<>(userSets);
        all.addAll(sets(recipeName, t));
        return loader.load(file, all);
    }

    /** Loads every trial's recipe and reports all problems at once (each names the trial's {@code --set}). */
    public void validate(RecipeLoader loader, Path file, List<String> userSets, String recipeName) {
        List<String> problems = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            Trial t = trial(i);
            try {
                load(loader, file, userSets, recipeName, t);
            } catch (RecipeException e) {
                for (String p : e.problems()) {
                    String line = "trial " + i + " (" + t.name() + "): " + p;
                    if (!problems.contains(line)) problems.add(line);
                }
            }
        }
        if (!problems.isEmpty()) throw new RecipeException(problems);
    }
}
