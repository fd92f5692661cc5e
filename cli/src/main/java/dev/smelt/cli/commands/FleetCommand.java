package dev.smelt.cli.commands;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.smelt.cli.GlobalOptions;
import dev.smelt.core.SmeltException;
import dev.smelt.fleet.Fleet;
import dev.smelt.fleet.FleetJobs;
import dev.smelt.fleet.FleetSpec;
import dev.smelt.fleet.FleetStatus;
import dev.smelt.fleet.collect.Collector;
import dev.smelt.fleet.collect.TrialResult;
import dev.smelt.recipe.format.RecipeException;
import dev.smelt.recipe.format.RecipeLoader;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "fleet", description = {
        "Many runs of one recipe on Kubernetes (a sweep's trials or one fine-tune per customer) as one Indexed Job: index = "
        + "trial. The cluster comes from KUBECONFIG / ~/.kube/config or the pod's service account. See fleet/README.md."},
        subcommands = {FleetCommand.Submit.class, FleetCommand.Status.class, FleetCommand.ListFleets.class, FleetCommand.Collect.class})
public final class FleetCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getErr());
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand (submit, status, list, collect)");
    }

    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    static final class Cluster {
        @Option(names = "--namespace", paramLabel = "NS", description = "Kubernetes namespace (default: the kubeconfig context's, else default).")
        String namespace;

        String namespace(Fleet f) {
            return namespace != null ? namespace : f.defaultNamespace();
        }
    }

    @Command(name = "submit", description = {
            "Submit every trial of a recipe as one Kubernetes Indexed Job (completions = trials): the recipe (and its local "
            + "data files, at most 700 KiB) in a ConfigMap, each pod running smelt recipe run /recipe/recipe.yaml --trial "
            + "$(JOB_COMPLETION_INDEX) --json --work-dir /work/NAME, the Hugging Face cache at HF_HOME on --hf-cache-pvc, "
            + "outputs on --work-pvc, nvidia.com/gpu limits and a GPU toleration with --gpus, OPT_OUT_TRACKING=true. "
            + "--dry-run prints the YAML instead (no cluster needed)."})
    public static final class Submit implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "FILE", description = "Recipe (.yaml).")
        Path file;

        @CommandLine.Mixin
        SweepCommand.TrialSource trials = new SweepCommand.TrialSource();

        @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override a field of every trial (repeatable).")
        List<String> overrides = new ArrayList<>();

        @Option(names = "--name", paramLabel = "NAME", description = "Fleet (Job) name (default: the recipe's name in lower case).")
        String name;

        @CommandLine.Mixin
        Cluster cluster = new Cluster();

        @Option(names = "--image", paramLabel = "IMAGE", required = true, description = "Container image with smelt on its PATH.")
        String image;

        @Option(names = "--gpus", paramLabel = "N", defaultValue = "0", description = "nvidia.com/gpu per pod (limit, plus a toleration); "
                + "the trials train on gpu0..gpuN-1 (default: 0, CPU).")
        int gpus;

        @Option(names = "--cpus", paramLabel = "Q", description = "CPU request per pod, a Kubernetes quantity (e.g. 8, 7500m).")
        String cpus;

        @Option(names = "--memory", paramLabel = "Q", description = "Memory request and limit per pod (e.g. 64Gi).")
        String memory;

        @Option(names = "--hf-cache-pvc", paramLabel = "PVC", description = "PersistentVolumeClaim for the Hugging Face cache, mounted "
                + "at HF_HOME=/hf-cache and shared by the trials (default: an emptyDir per pod).")
        String hfCachePvc;

        @Option(names = "--work-pvc", paramLabel = "PVC", description = "PersistentVolumeClaim mounted at /work: each trial's steps, "
                + "bundle and report.json in /work/NAME/trial-I (default: an emptyDir; reports stay in the pods' logs).")
        String workPvc;

        @Option(names = "--hf-token-secret", paramLabel = "SECRET", description = "Secret whose key token becomes HF_TOKEN (gated bases, push).")
        String hfTokenSecret;

        @Option(names = "--parallelism", paramLabel = "N", description = "Trials running at once (default: all).")
        Integer parallelism;

        @Option(names = "--retries", paramLabel = "N", defaultValue = "2", description = "Retries per trial (backoffLimitPerIndex; "
                + "default: 2); a retried trial resumes from its cached steps and checkpoint on --work-pvc.")
        int retries;

        @Option(names = "--ttl", paramLabel = "SECONDS", defaultValue = "604800", description = "Delete the Job and its ConfigMap this "
                + "long after it finishes (ttlSecondsAfterFinished; default: 604800, a week).")
        long ttl;

        @Option(names = "--dry-run", description = "Print the ConfigMap and Job as YAML (kubectl apply -f reads it); submit nothing.")
        boolean dryRun;

        @Option(names = "--wait", description = "Wait (a watch) until the Job completes or fails; exit 1 when a trial failed.")
        boolean await;

        @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "86400", description = "With --wait: give up after this long (default: 86400).")
        long timeout;

        @Override
        public Integer call() throws Exception {
            RecipeLoader loader = new RecipeLoader();
            String recipeName;
            try {
                recipeName = loader.load(file, overrides).recipe().name();
            } catch (RecipeException e) {
                return RecipeCommand.report(e, spec.commandLine().getErr());
            }
            String fleetName = name != null ? name : FleetSpec.defaultName(recipeName);
            PrintWriter out = spec.commandLine().getOut();
            if (dryRun) {
                FleetJobs.Objects o = build(loader, fleetName, cluster.namespace);
                if (o == null) return 1;
                out.print(o.yaml());
                out.flush();
                return 0;
            }
            try (KubernetesClient client = Fleet.connect()) {
                Fleet fleet = new Fleet(client);
                String ns = cluster.namespace(fleet);
                FleetJobs.Objects o = build(loader, fleetName, ns);
                if (o == null) return 1;
                fleet.submit(o);
                out.println("fleet " + fleetName + ": " + o.trials().size() + " trial" + (o.trials().size() == 1 ? "" : "s")
                        + " submitted to namespace " + ns + " (Job " + fleetName + ", ConfigMap " + FleetJobs.configMapName(fleetName)
                        + "); smelt fleet status " + fleetName);
                out.flush();
                if (!await) return 0;
                FleetStatus s = fleet.await(ns, fleetName, Duration.ofSeconds(timeout), progress(spec));
                Status.print(s, out, ns);
                return Status.exit(s, spec);
            }
        }

        private FleetJobs.Objects build(RecipeLoader loader, String fleetName, String ns) {
            try {
                return FleetJobs.build(new FleetSpec(fleetName, ns, file, overrides, trials.grid, trials.customers, image, gpus, cpus, memory,
                        hfCachePvc, workPvc, hfTokenSecret, parallelism, retries, ttl), loader);
            } catch (RecipeException e) {
                RecipeCommand.report(e, spec.commandLine().getErr());
                return null;
            }
        }
    }

    /** A stderr line each time the counts change (not with --quiet). */
    static java.util.function.Consumer<FleetStatus> progress(CommandSpec spec) {
        String[] last = {null};
        return s -> {
            if (GlobalOptions.quiet()) return;
            String line = String.format(Locale.ROOT, "==> %s: %s, %d of %d complete, %d failed, %d running", s.name(), s.state(),
                    s.completed().size(), s.trials(), s.failedIndexes().size(), s.active());
            if (!line.equals(last[0])) {
                System.err.println(line);
                last[0] = line;
            }
        };
    }

    @Command(name = "status", description = {
            "A fleet's state: completed and failed indexes (the Job's completedIndexes/failedIndexes), each trial's name "
            + "and where its work directory, bundle and report.json are."})
    public static final class Status implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "NAME", description = "Fleet name.")
        String name;

        @CommandLine.Mixin
        Cluster cluster = new Cluster();

        @Option(names = "--wait", description = "Wait (a watch) until the Job completes or fails; exit 1 when a trial failed.")
        boolean await;

        @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "86400", description = "With --wait: give up after this long (default: 86400).")
        long timeout;

        @Option(names = "--json", description = "Print the status as JSON: {name, state, trials, completed_indexes, failed_indexes, indexes: [...]}.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            try (KubernetesClient client = Fleet.connect()) {
                Fleet fleet = new Fleet(client);
                String ns = cluster.namespace(fleet);
                FleetStatus s = await ? fleet.await(ns, name, Duration.ofSeconds(timeout), progress(spec)) : fleet.status(ns, name);
                PrintWriter out = spec.commandLine().getOut();
                if (json) {
                    out.println(JSON.writeValueAsString(s.toJson()));
                    out.flush();
                } else {
                    print(s, out, ns);
                }
                return await ? exit(s, spec) : 0;
            }
        }

        static int exit(FleetStatus s, CommandSpec spec) {
            if (s.state().equals("complete") && s.failedIndexes().isEmpty()) return 0;
            PrintWriter err = spec.commandLine().getErr();
            err.println("smelt: error: fleet " + s.name() + " " + s.state() + ": failed indexes "
                    + dev.smelt.fleet.IndexRanges.format(s.failedIndexes()) + (s.message() != null ? " (" + s.message() + ")" : ""));
            err.flush();
            return 1;
        }

        static void print(FleetStatus s, PrintWriter out, String ns) {
            out.printf(Locale.ROOT, "fleet %s (recipe %s) in %s: %s%s; %d of %d complete, %d failed, %d running%n", s.name(), s.recipe(), ns,
                    s.state(), s.message() != null ? " (" + s.message() + ")" : "", s.completed().size(), s.trials(), s.failedIndexes().size(),
                    s.active());
            int width = 5;
            for (Map<String, Object> t : s.trialInfo()) width = Math.max(width, String.valueOf(t.get("name")).length());
            out.printf(Locale.ROOT, "%-5s  %-" + width + "s  %-8s  %s%n", "index", "trial", "state", "work dir (bundle/*/, report.json)");
            for (int i = 0; i < s.trials(); i++) {
                String trial = i < s.trialInfo().size() ? String.valueOf(s.trialInfo().get(i).get("name")) : "?";
                out.printf(Locale.ROOT, "%-5d  %-" + width + "s  %-8s  %s%n", i, trial, s.indexState(i), s.location(i));
            }
            if (s.workPvc() == null) out.println("no work volume: each trial's JSON report is the end of its pod's log (smelt fleet collect " + s.name() + ")");
            for (int i : s.failedIndexes()) {
                out.println("logs of failed index " + i + ": kubectl logs -n " + ns + " -l batch.kubernetes.io/job-name=" + s.name()
                        + ",batch.kubernetes.io/job-completion-index=" + i);
            }
            out.flush();
        }
    }

    @Command(name = "list", description = "Fleets in a namespace (Jobs labelled app=smelt): state and index counts.")
    public static final class ListFleets implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @CommandLine.Mixin
        Cluster cluster = new Cluster();

        @Option(names = "--json", description = "Print the fleets as JSON.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            try (KubernetesClient client = Fleet.connect()) {
                Fleet fleet = new Fleet(client);
                String ns = cluster.namespace(fleet);
                List<FleetStatus> all = fleet.list(ns);
                PrintWriter out = spec.commandLine().getOut();
                if (json) {
                    List<Map<String, Object>> j = new ArrayList<>();
                    for (FleetStatus s : all) {
                        Map<String, Object> m = new LinkedHashMap<>(s.toJson());
                        m.remove("indexes");
                        j.add(m);
                    }
                    out.println(JSON.writeValueAsString(j));
                } else {
                    out.printf(Locale.ROOT, "%-24s %-20s %6s %8s %6s %7s  %-9s %s%n", "fleet", "recipe", "trials", "complete", "failed",
                            "running", "state", "created");
                    for (FleetStatus s : all) {
                        out.printf(Locale.ROOT, "%-24s %-20s %6d %8d %6d %7d  %-9s %s%n", s.name(), s.recipe(), s.trials(), s.completed().size(),
                                s.failedIndexes().size(), s.active(), s.state(), s.created());
                    }
                    if (all.isEmpty()) out.println("no fleets in namespace " + ns);
                }
                out.flush();
                return 0;
            }
        }
    }

    @Command(name = "collect", description = {
            "Gather the trials' JSON reports (smelt recipe run --json) into one table, best gate values first: finished "
            + "runs, then gate failures, then failed runs; lower eval loss, lower KL, higher top-1 first. From a directory "
            + "(every report.json below it, e.g. the work volume's /work/NAME, and *.json in it) or a fleet's pod logs."})
    public static final class Collect implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "NAME|DIR", description = "A directory of reports, or a fleet name (reads its pods' logs).")
        String source;

        @CommandLine.Mixin
        Cluster cluster = new Cluster();

        @Option(names = "--json", description = "Print the table as JSON, best first.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            List<TrialResult> rows;
            Path dir = Path.of(source);
            if (Files.isDirectory(dir)) {
                rows = Collector.fromDirectory(dir);
            } else {
                if (source.contains("/")) throw new SmeltException(source + ": not a directory");
                try (KubernetesClient client = Fleet.connect()) {
                    Fleet fleet = new Fleet(client);
                    String ns = cluster.namespace(fleet);
                    List<TrialResult> found = new ArrayList<>();
                    for (Map.Entry<Integer, String> e : fleet.logs(ns, source).entrySet()) {
                        TrialResult r = Collector.fromLog(e.getValue(), "pod log of index " + e.getKey());
                        if (r != null) found.add(r);
                    }
                    rows = Collector.ranked(found);
                }
            }
            if (rows.isEmpty()) throw new SmeltException(source + ": no smelt recipe run --json reports found");
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                out.println(JSON.writeValueAsString(rows.stream().map(TrialResult::toJson).toList()));
            } else {
                int width = 5;
                for (TrialResult r : rows) width = Math.max(width, r.trial() == null ? 1 : r.trial().length());
                out.printf(Locale.ROOT, "%-4s %-5s %-" + width + "s %-11s %9s %9s %8s  %s%n", "rank", "index", "trial", "status", "eval_loss",
                        "max_kl", "min_top1", "bundle");
                int rank = 1;
                for (TrialResult r : rows) {
                    out.printf(Locale.ROOT, "%-4d %-5s %-" + width + "s %-11s %9s %9s %8s  %s%n", rank++, r.index() == null ? "-" : r.index(),
                            r.trial() == null ? "-" : r.trial(), r.status(), num(r.evalLoss()), num(r.maxKl()), num(r.minTop1()),
                            r.bundle() == null ? "-" : r.bundle());
                }
            }
            out.flush();
            return 0;
        }

        private static String num(Double d) {
            return d == null ? "-" : String.format(Locale.ROOT, "%.4g", d);
        }
    }
}
