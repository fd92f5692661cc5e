package dev.smelt.recipe.run;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.smelt.core.SmeltException;
import dev.smelt.core.io.AtomicFiles;
import dev.smelt.recipe.format.RecipeLoader;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Runs a recipe like a build tool. Each step's outputs live in {@code workDir/STEP/KEY16}; a step whose directory
 * holds a finished run ({@code step.json}, its files present) is cached and hands its recorded outcome on, so
 * rerunning an unchanged recipe runs nothing and changing only {@code export} reruns the exports and what follows.
 * {@code --from STEP} redoes that step and every one after it. An unfinished training run keeps its directory and
 * resumes from its newest checkpoint; other unfinished steps start over. When a gate fails the run stops before
 * the bundle with {@link RunReport#GATE_FAILED}.
 */
public final class RecipeRunner {
    static final String DONE = "step.json";

    private final StopSignal stop = new StopSignal();

    /** Asks the run to stop: training saves a checkpoint and returns; no further step starts. */
    public void requestStop() {
        stop.request();
    }

    public RunReport run(RecipeLoader.Loaded l, RunOptions o) {
        long t0 = System.nanoTime();
        Plan plan = Plan.of(l);
        int from = fromIndex(plan, o.from());
        Map<String, Outcome> outcomes = new LinkedHashMap<>();
        Map<String, Path> dirs = new LinkedHashMap<>();
        List<RunReport.StepReport> reports = new ArrayList<>();
        List<Map<String, Object>> gates = new ArrayList<>();
        String status = o.dryRun() ? "planned" : "ok";
        int exit = RunReport.OK;
        String message = null;
        PrintStream log = o.log();
        for (int i = 0; i < plan.steps().size(); i++) {
            Step s = plan.steps().get(i);
            Path dir = o.workDir().resolve(s.name()).resolve(plan.shortKey(s.name())).toAbsolutePath();
            dirs.put(s.name(), dir);
            boolean forced = from >= 0 && i >= from;
            if (exit != RunReport.OK) {
                reports.add(new RunReport.StepReport(s.name(), s.kind(), plan.keys().get(s.name()), dir.toString(), "not-run", forced, 0,
                        List.of(), Map.of()));
                continue;
            }
            Outcome cached = forced ? null : finished(dir);
            if (cached != null) {
                outcomes.put(s.name(), cached);
                reports.add(report(s, plan, dir, "cached", false, 0, cached));
                if (log != null) log.println("==> " + s.name() + " [" + plan.shortKey(s.name()) + "] cached");
            } else if (o.dryRun()) {
                reports.add(new RunReport.StepReport(s.name(), s.kind(), plan.keys().get(s.name()), dir.toString(), "would-run", forced, 0,
                        List.of(), Map.of()));
                if (log != null) log.println("==> " + s.name() + " [" + plan.shortKey(s.name()) + "] would run" + (forced ? " (--from)" : ""));
                continue;
            } else {
                if (stop.requested()) {
                    status = "stopped";
                    exit = RunReport.STOPPED;
                    message = "stopped before " + s.name();
                    reports.add(new RunReport.StepReport(s.name(), s.kind(), plan.keys().get(s.name()), dir.toString(), "not-run", forced, 0,
                            List.of(), Map.of()));
                    continue;
                }
                if (log != null) {
                    log.println("==> " + s.name() + " [" + plan.shortKey(s.name()) + "] running" + (forced ? " (--from)" : ""));
                    log.flush();
                }
                long s0 = System.nanoTime();
                try {
                    if (forced || !s.resumable()) AtomicFiles.deleteRecursively(dir);
                    Files.createDirectories(dir);
                    Map<String, Outcome> in = new LinkedHashMap<>();
                    Map<String, Path> inDirs = new LinkedHashMap<>();
                    for (String n : s.inputs()) {
                        in.put(n, outcomes.get(n));
                        inDirs.put(n, dirs.get(n));
                    }
                    Outcome out = s.run(new StepContext(dir, in, inDirs, l, o, stop));
                    double secs = (System.nanoTime() - s0) / 1e9;
                    Map<String, Object> done = new LinkedHashMap<>();
                    done.put("step", s.name());
                    done.put("key", plan.keys().get(s.name()));
                    done.put("settings", s.settings());
                    done.put("inputs", s.inputs().stream().collect(LinkedHashMap::new, (m, n) -> m.put(n, plan.keys().get(n)), Map::putAll));
                    done.put("seconds", secs);
                    done.put("files", out.files());
                    done.put("values", out.values());
                    RunReport.writeJson(dir.resolve(DONE), done);
                    outcomes.put(s.name(), out);
                    reports.add(report(s, plan, dir, "ran", forced, secs, out));
                    if (log != null) log.printf(Locale.ROOT, "    done in %.1f s%n", secs);
                } catch (Steps.Stopped e) {
                    status = "stopped";
                    exit = RunReport.STOPPED;
                    message = s.name() + ": " + e.getMessage() + "; run again to resume";
                    reports.add(new RunReport.StepReport(s.name(), s.kind(), plan.keys().get(s.name()), dir.toString(), "stopped", forced,
                            (System.nanoTime() - s0) / 1e9, List.of(), Map.of()));
                    continue;
                } catch (Exception e) {
                    status = "failed";
                    exit = RunReport.FAILED;
                    message = s.name() + ": " + oneLine(e);
                    reports.add(new RunReport.StepReport(s.name(), s.kind(), plan.keys().get(s.name()), dir.toString(), "failed", forced,
                            (System.nanoTime() - s0) / 1e9, List.of(), Map.of()));
                    continue;
                }
            }
            if (s instanceof Steps.Gates) {
                Outcome g = outcomes.get(s.name());
                @SuppressWarnings("unchecked")
                List<Map<String, Object>> results = (List<Map<String, Object>>) g.values().get("gates");
                gates.addAll(results);
                List<String> failed = results.stream().filter(r -> !Boolean.TRUE.equals(r.get("passed"))).map(RecipeRunner::describe).toList();
                if (!failed.isEmpty()) {
                    status = "gate-failed";
                    exit = RunReport.GATE_FAILED;
                    message = "gate failed: " + String.join("; ", failed);
                }
                if (log != null) for (Map<String, Object> r : results) log.println("    " + describe(r));
            }
        }
        return new RunReport(l.file().toString(), l.recipe().name(), l.recipe().version(), o.workDir().toAbsolutePath(), o.dryRun(),
                status, exit, message, reports, gates, (System.nanoTime() - t0) / 1e9);
    }

    /** {@code max_kl 0.5: 0.731 (ci-smoke-Q4_K_M.gguf) FAIL}. */
    static String describe(Map<String, Object> g) {
        String name = (String) g.get("gate");
        return String.format(Locale.ROOT, "%s %s: %.6g%s %s", name, num(g.get("limit")), ((Number) g.get("value")).doubleValue(),
                g.containsKey("gguf") ? " (" + g.get("gguf") + ")" : "", Boolean.TRUE.equals(g.get("passed")) ? "pass" : "FAIL");
    }

    private static String num(Object o) {
        double d = ((Number) o).doubleValue();
        return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
    }

    private static String oneLine(Exception e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        if (!(e instanceof SmeltException) && e.getMessage() != null) m = e.getClass().getSimpleName() + ": " + m;
        return m.replace('\n', ' ');
    }

    private static int fromIndex(Plan plan, String from) {
        if (from == null) return -1;
        for (int i = 0; i < plan.steps().size(); i++) {
            Step s = plan.steps().get(i);
            if (s.name().equalsIgnoreCase(from) || s.kind().equalsIgnoreCase(from)) return i;
        }
        throw new SmeltException("--from " + from + ": no such step (steps: "
                + String.join(", ", plan.steps().stream().map(Step::name).toList()) + ")");
    }

    /** The recorded outcome of a finished run in {@code dir}, or null when there is none or a file it made is gone. */
    static Outcome finished(Path dir) {
        Path done = dir.resolve(DONE);
        if (!Files.isRegularFile(done)) return null;
        try {
            Map<String, Object> m = RunReport.JSON.readValue(done.toFile(), new TypeReference<Map<String, Object>>() {});
            @SuppressWarnings("unchecked")
            Map<String, String> files = (Map<String, String>) m.get("files");
            @SuppressWarnings("unchecked")
            Map<String, Object> values = (Map<String, Object>) m.get("values");
            Outcome o = new Outcome(files, values);
            for (String role : files.keySet()) if (!Files.exists(o.file(dir, role))) return null;
            return o;
        } catch (IOException e) {
            return null;
        }
    }

    private static RunReport.StepReport report(Step s, Plan plan, Path dir, String state, boolean forced, double secs, Outcome o) {
        List<RunReport.Artefact> arts = new ArrayList<>();
        for (Map.Entry<String, String> f : o.files().entrySet()) {
            Path p = o.file(dir, f.getKey());
            arts.add(new RunReport.Artefact(f.getKey(), p.toString(), size(p)));
        }
        return new RunReport.StepReport(s.name(), s.kind(), plan.keys().get(s.name()), dir.toString(), state, forced, secs, arts, o.values());
    }

    static long size(Path p) {
        try {
            if (Files.isRegularFile(p)) return Files.size(p);
            try (Stream<Path> s = Files.walk(p)) {
                return s.filter(Files::isRegularFile).mapToLong(f -> {
                    try {
                        return Files.size(f);
                    } catch (IOException e) {
                        return 0;
                    }
                }).sum();
            }
        } catch (IOException e) {
            return 0;
        }
    }
}
