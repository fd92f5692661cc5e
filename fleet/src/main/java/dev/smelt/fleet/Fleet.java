package dev.smelt.fleet;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.smelt.core.SmeltException;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.KubernetesClientTimeoutException;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A fleet's life on a cluster through fabric8's client: submit (ConfigMap, then the Job, which then owns the ConfigMap so
 * the TTL removes both), wait for the end with a watch ({@code waitUntilCondition}), status, list by label, and the
 * pods' logs of each index (the {@code --json} report is the end of each pod's log).
 */
public final class Fleet {
    private final KubernetesClient client;

    public Fleet(KubernetesClient client) {
        this.client = client;
    }

    /** A client from the usual places (KUBECONFIG / ~/.kube/config, or the pod's service account), over the JDK HTTP client. */
    public static KubernetesClient connect() {
        return new KubernetesClientBuilder().build();
    }

    /** The namespace to use when none is given: the kubeconfig context's, else {@code default}. */
    public String defaultNamespace() {
        String ns = client.getNamespace();
        return ns == null ? "default" : ns;
    }

    public Job submit(FleetJobs.Objects o) {
        String ns = o.job().getMetadata().getNamespace();
        String name = o.job().getMetadata().getName();
        try {
            if (client.batch().v1().jobs().inNamespace(ns).withName(name).get() != null) {
                throw new SmeltException("fleet " + name + " already exists in namespace " + ns + " (smelt fleet status " + name
                        + "); choose another --name");
            }
            ConfigMap cm = client.configMaps().inNamespace(ns).resource(o.configMap()).createOr(existing -> existing.update());
            Job job;
            try {
                job = client.batch().v1().jobs().inNamespace(ns).resource(o.job()).create();
            } catch (KubernetesClientException e) {
                client.configMaps().inNamespace(ns).withName(cm.getMetadata().getName()).delete();
                throw e;
            }
            // the Job owns its ConfigMap: deleting the Job (or its TTL) removes the recipe too
            client.configMaps().inNamespace(ns).withName(cm.getMetadata().getName()).edit(c -> {
                c.getMetadata().setOwnerReferences(List.of(new OwnerReferenceBuilder().withApiVersion("batch/v1").withKind("Job")
                        .withName(name).withUid(job.getMetadata().getUid()).withBlockOwnerDeletion(false).build()));
                return c;
            });
            return job;
        } catch (KubernetesClientException e) {
            throw failure("submit " + name, ns, e);
        }
    }

    /**
     * Waits with a watch until the Job is complete or failed (or {@code timeout} passes: a one-line error), calling
     * {@code progress} with each new state of the Job.
     */
    public FleetStatus await(String namespace, String name, Duration timeout, Consumer<FleetStatus> progress) {
        try {
            Job done = client.batch().v1().jobs().inNamespace(namespace).withName(name).waitUntilCondition(j -> {
                if (j == null) throw new SmeltException("fleet " + name + " was deleted while waiting");
                FleetStatus s = status(j, List.of());
                if (progress != null) progress.accept(s);
                return s.finished();
            }, timeout.toMillis(), TimeUnit.MILLISECONDS);
            return status(done, trialInfo(namespace, name));
        } catch (KubernetesClientTimeoutException e) {
            throw new SmeltException("fleet " + name + ": not finished after " + timeout.toSeconds() + " s (smelt fleet status " + name + ")");
        } catch (KubernetesClientException e) {
            throw failure("wait for " + name, namespace, e);
        }
    }

    public FleetStatus status(String namespace, String name) {
        try {
            Job j = client.batch().v1().jobs().inNamespace(namespace).withName(name).get();
            if (j == null) throw new SmeltException("no fleet " + name + " in namespace " + namespace + " (smelt fleet list)");
            return status(j, trialInfo(namespace, name));
        } catch (KubernetesClientException e) {
            throw failure("status of " + name, namespace, e);
        }
    }

    /** Every fleet (Job labelled {@code app=smelt}) in {@code namespace}, oldest first. */
    public List<FleetStatus> list(String namespace) {
        try {
            List<FleetStatus> out = new ArrayList<>();
            for (Job j : client.batch().v1().jobs().inNamespace(namespace).withLabel(FleetJobs.APP_LABEL, FleetJobs.APP).list().getItems()) {
                out.add(status(j, List.of()));
            }
            out.sort(Comparator.comparing((FleetStatus s) -> s.created() == null ? "" : s.created()).thenComparing(FleetStatus::name));
            return out;
        } catch (KubernetesClientException e) {
            throw failure("list fleets", namespace, e);
        }
    }

    /**
     * The log of the newest finished pod of each index (succeeded before failed), by index: where the pods' {@code --json}
     * reports are when the fleet has no work volume.
     */
    public Map<Integer, String> logs(String namespace, String name) {
        try {
            List<Pod> pods = client.pods().inNamespace(namespace).withLabel("batch.kubernetes.io/job-name", name).list().getItems();
            Map<Integer, Pod> best = new java.util.TreeMap<>();
            for (Pod p : pods) {
                String idx = p.getMetadata().getAnnotations() == null ? null
                        : p.getMetadata().getAnnotations().get("batch.kubernetes.io/job-completion-index");
                String phase = p.getStatus() == null ? null : p.getStatus().getPhase();
                if (idx == null || !("Succeeded".equals(phase) || "Failed".equals(phase))) continue;
                int i = Integer.parseInt(idx);
                Pod cur = best.get(i);
                if (cur == null || rank(p) > rank(cur) || (rank(p) == rank(cur)
                        && p.getMetadata().getCreationTimestamp().compareTo(cur.getMetadata().getCreationTimestamp()) > 0)) {
                    best.put(i, p);
                }
            }
            Map<Integer, String> out = new java.util.TreeMap<>();
            for (Map.Entry<Integer, Pod> e : best.entrySet()) {
                out.put(e.getKey(), client.pods().inNamespace(namespace).withName(e.getValue().getMetadata().getName()).getLog());
            }
            return out;
        } catch (KubernetesClientException e) {
            throw failure("read the logs of " + name, namespace, e);
        }
    }

    private static int rank(Pod p) {
        return "Succeeded".equals(p.getStatus().getPhase()) ? 1 : 0;
    }

    private List<Map<String, Object>> trialInfo(String namespace, String name) {
        ConfigMap cm = client.configMaps().inNamespace(namespace).withName(FleetJobs.configMapName(name)).get();
        if (cm == null || cm.getData() == null || !cm.getData().containsKey("trials.json")) return List.of();
        try {
            return new ObjectMapper().readValue(cm.getData().get("trials.json"), new TypeReference<List<Map<String, Object>>>() {});
        } catch (IOException e) {
            return List.of();
        }
    }

    static FleetStatus status(Job j, List<Map<String, Object>> trials) {
        JobStatus s = j.getStatus() != null ? j.getStatus() : new JobStatus();
        String state = "running";
        String message = null;
        for (JobCondition c : s.getConditions() == null ? List.<JobCondition>of() : s.getConditions()) {
            if (!"True".equals(c.getStatus())) continue;
            if (c.getType().equals("Complete")) state = "complete";
            if (c.getType().equals("Failed")) {
                state = "failed";
                message = c.getReason() + (c.getMessage() != null ? ": " + c.getMessage() : "");
            }
            if (c.getType().equals("Suspended") && state.equals("running")) state = "suspended";
        }
        Map<String, String> ann = j.getMetadata().getAnnotations() == null ? Map.of() : j.getMetadata().getAnnotations();
        int completions = j.getSpec() != null && j.getSpec().getCompletions() != null ? j.getSpec().getCompletions() : 0;
        return new FleetStatus(j.getMetadata().getName(), j.getMetadata().getNamespace(), ann.get(FleetJobs.RECIPE_ANNOTATION), completions,
                n(s.getSucceeded()), n(s.getFailed()), n(s.getActive()), IndexRanges.parse(s.getCompletedIndexes()),
                IndexRanges.parse(s.getFailedIndexes()), state, message, trials, ann.get(FleetJobs.WORK_PVC_ANNOTATION),
                ann.getOrDefault(FleetJobs.WORK_DIR_ANNOTATION, FleetJobs.WORK_MOUNT + "/" + j.getMetadata().getName()),
                j.getMetadata().getCreationTimestamp());
    }

    private static int n(Integer i) {
        return i == null ? 0 : i;
    }

    private static SmeltException failure(String what, String namespace, KubernetesClientException e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("");
        return new SmeltException("kubernetes: cannot " + what + " in namespace " + namespace + ": " + m);
    }
}
