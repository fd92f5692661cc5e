package dev.smelt.cli.commands;

import dev.smelt.cli.GlobalOptions;
import dev.smelt.cli.VersionProvider;
import dev.smelt.hub.HubClient;
import dev.smelt.hub.HubSettings;
import dev.smelt.models.TorchThreads;
import dev.smelt.recipe.format.RecipeException;
import dev.smelt.recipe.format.RecipeLoader;
import dev.smelt.recipe.run.RecipeRunner;
import dev.smelt.recipe.run.RunOptions;
import dev.smelt.recipe.run.RunReport;
import dev.smelt.recipe.sweep.Sweep;
import dev.smelt.recipe.sweep.Trial;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "run", description = {
        "Run a recipe like a build tool. Each step's outputs live in --work-dir/STEP/KEY, KEY a hash of the step's "
        + "settings and its inputs' keys: an unchanged recipe runs nothing, changing only export reruns the exports "
        + "and what follows. Ctrl-C stops after saving a training checkpoint; rerunning resumes there. Exit codes: 0 "
        + "done, 1 a step failed or the recipe is invalid, 2 usage, 3 a quality gate failed (nothing after the gates ran), "
        + "130 stopped."})
public final class RecipeRunCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "Recipe (.yaml).")
    Path file;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override a field, e.g. train.lora.r=32 (repeatable).")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--work-dir", paramLabel = "DIR",
            description = "Where step outputs are kept between runs (default: .smelt-work/NAME in the current directory).")
    Path workDir;

    @Option(names = "--from", paramLabel = "STEP", description = "Redo this step (a name such as train or gguf-Q4_K_M, or a kind such as gguf) and every step after it.")
    String from;

    @Option(names = "--dry-run", description = "Print the plan: each step, its key and whether it is cached; run nothing.")
    boolean dryRun;

    @Option(names = "--json", description = "Print the run as JSON on stdout (steps, durations, cached or not, artefacts and sizes, gate values).")
    boolean json;

    @Option(names = "--trial", paramLabel = "I", description = "Run trial I of the sweep (smelt sweep expand lists them): its overrides "
            + "after --set, the release named RECIPE-TRIAL, the work dir DIR/trial-I, the JSON report also written to "
            + "DIR/trial-I/report.json. Kubernetes: $(JOB_COMPLETION_INDEX); Slurm: $SLURM_ARRAY_TASK_ID.")
    Integer trial;

    @CommandLine.Mixin
    SweepCommand.TrialSource trials = new SweepCommand.TrialSource();

    @Override
    public Integer call() throws Exception {
        RecipeLoader loader = new RecipeLoader();
        RecipeLoader.Loaded l;
        Trial t = null;
        Path work;
        try {
            l = loader.load(file, overrides);
            work = workDir != null ? workDir : Path.of(".smelt-work", l.recipe().name());
            if (trial != null) {
                t = trials.resolve(l).trial(trial);
                l = Sweep.load(loader, file, overrides, l.recipe().name(), t);
                work = work.resolve(t.dirName());
            } else if (!trials.grid.isEmpty() || trials.customers != null) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--grid and --customers choose trials: give --trial I too");
            }
        } catch (RecipeException e) {
            return RecipeCommand.report(e, spec.commandLine().getErr());
        }
        if (t != null && !GlobalOptions.quiet()) {
            System.err.println("==> trial " + t.index() + " (" + t.name() + "): " + String.join(" ", t.overrides()));
        }
        TorchThreads.configure(null, TorchThreads.Default.LIBTORCH);
        boolean quiet = GlobalOptions.quiet();
        RunOptions o = new RunOptions(work, from, dryRun, VersionProvider.version(),
                () -> HubClient.builder().settings(HubSettings.fromEnvironment()).build(), quiet ? null : System.err,
                !quiet && HubOptions.interactiveTerminal());
        RecipeRunner runner = new RecipeRunner();
        CountDownLatch finished = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            runner.requestStop();
            try {
                finished.await(10, TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "smelt-recipe-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        RunReport r;
        try {
            r = runner.run(l, o);
        } finally {
            finished.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // Ctrl-C: the hook is running and returns now
            }
        }
        if (t != null) {
            r = r.withTrial(t);
            if (!dryRun) r.writeJson(work.resolve("report.json"));
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(r.json());
        } else {
            for (RunReport.StepReport s : r.steps()) {
                out.printf(Locale.ROOT, "%-14s %-9s %6.1f s  %s%n", s.name(), s.state(), s.seconds(),
                        String.join(", ", s.artefacts().stream().map(a -> a.path() + " (" + InspectCommand.humanBytes(a.bytes()) + ")").toList()));
            }
            out.printf(Locale.ROOT, "%s %s: %s in %.1f s (work dir %s)%n", r.name(), r.version(), r.status(), r.seconds(), r.workDir());
        }
        out.flush();
        if (r.message() != null) {
            PrintWriter err = spec.commandLine().getErr();
            err.println("smelt: " + (r.exitCode() == RunReport.STOPPED ? "" : "error: ") + r.message());
            err.flush();
        }
        return r.exitCode();
    }
}
