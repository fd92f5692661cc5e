package dev.smelt.fleet;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A fleet as its Job reports it: trials (completions), succeeded/failed/active pod counts, the completed and failed
 * indexes, the overall state ({@code complete}, {@code failed}, {@code running}, {@code suspended}), each trial's name
 * and release (from the fleet's ConfigMap; empty when it is gone) and where each index's work directory and report are
 * ({@code PVC:DIR/trial-I/report.json}; with no work volume the report is only in the pod's log).
 */
public record FleetStatus(String name, String namespace, String recipe, int trials, int succeeded, int failed, int active,
        List<Integer> completed, List<Integer> failedIndexes, String state, String message, List<Map<String, Object>> trialInfo,
        String workPvc, String workDir, String created) {

    /** complete, failed or pending (not yet finished, running or waiting for its retry). */
    public String indexState(int i) {
        if (completed.contains(i)) return "complete";
        if (failedIndexes.contains(i)) return "failed";
        return "pending";
    }

    /** Where trial {@code i} writes its outputs: {@code PVC:/work/NAME/trial-I}, or {@code emptyDir:...} (lost with the pod). */
    public String location(int i) {
        return (workPvc != null ? "pvc/" + workPvc : "emptyDir") + ":" + workDir + "/trial-" + i;
    }

    public boolean finished() {
        return state.equals("complete") || state.equals("failed");
    }

    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("namespace", namespace);
        m.put("recipe", recipe);
        m.put("state", state);
        if (message != null) m.put("message", message);
        m.put("trials", trials);
        m.put("succeeded", succeeded);
        m.put("failed", failed);
        m.put("active", active);
        m.put("completed_indexes", IndexRanges.format(completed));
        m.put("failed_indexes", IndexRanges.format(failedIndexes));
        m.put("work_pvc", workPvc);
        m.put("work_dir", workDir);
        m.put("created", created);
        List<Map<String, Object>> idx = new ArrayList<>();
        for (int i = 0; i < trials; i++) {
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("index", i);
            if (i < trialInfo.size()) {
                j.put("name", trialInfo.get(i).get("name"));
                j.put("release", trialInfo.get(i).get("release"));
            }
            j.put("state", indexState(i));
            j.put("work_dir", location(i));
            j.put("report", workPvc != null ? location(i) + "/report.json" : "pod log only (no work volume)");
            idx.add(j);
        }
        m.put("indexes", idx);
        return m;
    }
}
