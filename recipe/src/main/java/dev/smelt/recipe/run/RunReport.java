package dev.smelt.recipe.run;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.smelt.core.io.AtomicFiles;
import dev.smelt.recipe.sweep.Trial;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a run did, for the human log and {@code --json}: per step its key, state, seconds, artefacts (path, bytes)
 * and values; the gates; the overall status and exit code ({@link #OK}, {@link #FAILED}, {@link #GATE_FAILED},
 * {@link #STOPPED}); for a trial of a sweep or fleet, the trial.
 */
public record RunReport(String recipe, String name, String version, Path workDir, boolean dryRun, String status, int exitCode,
        String message, List<StepReport> steps, List<Map<String, Object>> gates, double seconds, Trial trial) {
    public static final int OK = 0;
    /** A step failed (the error is in {@link #message}). */
    public static final int FAILED = 1;
    /** A quality gate failed; nothing after the gates ran. */
    public static final int GATE_FAILED = 3;
    /** Stopped by Ctrl-C; rerunning resumes (training from its newest checkpoint). */
    public static final int STOPPED = 130;

    public RunReport(String recipe, String name, String version, Path workDir, boolean dryRun, String status, int exitCode,
            String message, List<StepReport> steps, List<Map<String, Object>> gates, double seconds) {
        this(recipe, name, version, workDir, dryRun, status, exitCode, message, steps, gates, seconds, null);
    }

    /** This report as the run of trial {@code t} of a sweep or fleet (its index, name and overrides go into the JSON). */
    public RunReport withTrial(Trial t) {
        return new RunReport(recipe, name, version, workDir, dryRun, status, exitCode, message, steps, gates, seconds, t);
    }

    /** One step: {@code state} is cached, ran, failed, stopped, would-run (dry run) or not-run (after a stop). */
    public record StepReport(String name, String kind, String key, String dir, String state, boolean forced, double seconds,
            List<Artefact> artefacts, Map<String, Object> values) {}

    public record Artefact(String role, String path, long bytes) {}

    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("recipe", recipe);
        m.put("name", name);
        m.put("version", version);
        if (trial != null) m.put("trial", trial.toJson());
        m.put("work_dir", workDir.toString());
        m.put("dry_run", dryRun);
        m.put("status", status);
        m.put("exit_code", exitCode);
        if (message != null) m.put("message", message);
        m.put("seconds", seconds);
        m.put("steps", steps.stream().map(s -> {
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("name", s.name());
            j.put("kind", s.kind());
            j.put("key", s.key());
            j.put("dir", s.dir());
            j.put("state", s.state());
            j.put("cached", s.state().equals("cached"));
            j.put("forced", s.forced());
            j.put("seconds", s.seconds());
            j.put("artefacts", s.artefacts().stream().map(a -> Map.of("role", a.role(), "path", a.path(), "bytes", a.bytes())).toList());
            j.put("values", s.values());
            return j;
        }).toList());
        m.put("gates", gates);
        return m;
    }

    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** Writes {@link #json()} to {@code file} atomically. */
    public void writeJson(Path file) throws IOException {
        AtomicFiles.writeString(file, json() + "\n");
    }

    static void writeJson(Path file, Object doc) throws IOException {
        AtomicFiles.writeString(file, JSON.writeValueAsString(doc) + "\n");
    }

    public String json() {
        try {
            return JSON.writeValueAsString(toJson());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
