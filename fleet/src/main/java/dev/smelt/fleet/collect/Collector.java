package dev.smelt.fleet.collect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.smelt.core.SmeltException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Reads {@code smelt recipe run --json} reports into {@link TrialResult}s: every {@code report.json} below a directory
 * (a trial writes {@code WORK/trial-I/report.json}) and every {@code *.json} directly in it (a Slurm array's
 * redirected stdout), or the report at the end of a pod's log. JSON files that are not run reports are skipped.
 */
public final class Collector {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Collector() {}

    /** The reports under {@code dir}, best first ({@link TrialResult#BEST_FIRST}); one trial index appears once (the newest file). */
    public static List<TrialResult> fromDirectory(Path dir) {
        if (!Files.isDirectory(dir)) throw new SmeltException(dir + ": not a directory");
        List<Path> files;
        try (Stream<Path> s = Files.walk(dir, 4)) {
            files = s.filter(Files::isRegularFile).filter(p -> p.getFileName().toString().equals("report.json")
                    || (p.getParent().equals(dir) && p.getFileName().toString().endsWith(".json"))).sorted().toList();
        } catch (IOException e) {
            throw new SmeltException(dir + ": " + e.getMessage());
        }
        List<TrialResult> out = new ArrayList<>();
        for (Path f : files) {
            JsonNode n;
            try {
                n = JSON.readTree(f.toFile());
            } catch (IOException e) {
                continue; // a report being written, or not JSON: not a run report
            }
            TrialResult r = read(n, f.toString());
            if (r != null) out.add(r);
        }
        return ranked(out);
    }

    /** The report at the end of a pod's log (stdout's JSON object after the human log), or null when there is none. */
    public static TrialResult fromLog(String log, String source) {
        List<String> lines = log.lines().toList();
        for (int i = lines.size() - 1; i >= 0; i--) {
            if (!lines.get(i).equals("{")) continue;
            try {
                TrialResult r = read(JSON.readTree(String.join("\n", lines.subList(i, lines.size()))), source);
                if (r != null) return r;
            } catch (IOException e) {
                // stderr lines after the report, or a truncated log: try an earlier "{"
            }
        }
        return null;
    }

    /** Best first, one row per trial index (the later source wins). */
    public static List<TrialResult> ranked(List<TrialResult> results) {
        Map<Integer, TrialResult> byIndex = new java.util.LinkedHashMap<>();
        List<TrialResult> out = new ArrayList<>();
        for (TrialResult r : results) {
            if (r.index() == null) out.add(r);
            else byIndex.put(r.index(), r);
        }
        out.addAll(byIndex.values());
        out.sort(TrialResult.BEST_FIRST);
        return out;
    }

    static TrialResult read(JsonNode n, String source) {
        if (!n.isObject() || !n.has("steps") || !n.has("status") || !n.has("exit_code")) return null;
        JsonNode trial = n.get("trial");
        Integer index = trial != null && trial.has("index") ? trial.get("index").asInt() : null;
        String trialName = trial != null && trial.has("name") ? trial.get("name").asText() : null;
        Double eval = null;
        String bundle = null;
        for (JsonNode s : n.get("steps")) {
            String kind = s.path("kind").asText();
            if (kind.equals("train") && s.path("values").has("eval_loss")) eval = s.path("values").get("eval_loss").asDouble();
            if (kind.equals("bundle") && s.path("artefacts").size() > 0) bundle = s.path("artefacts").get(0).path("path").asText();
        }
        Double kl = null;
        Double top1 = null;
        Boolean passed = null;
        for (JsonNode g : n.path("gates")) {
            double v = g.path("value").asDouble();
            switch (g.path("gate").asText()) {
                case "max_eval_loss" -> eval = v;
                case "max_kl" -> kl = kl == null ? v : Math.max(kl, v);
                case "min_top1" -> top1 = top1 == null ? v : Math.min(top1, v);
                default -> { }
            }
            passed = (passed == null || passed) && g.path("passed").asBoolean();
        }
        return new TrialResult(index, trialName, n.path("name").asText(null), n.get("status").asText(), n.get("exit_code").asInt(), eval, kl,
                top1, passed, bundle, source);
    }
}
