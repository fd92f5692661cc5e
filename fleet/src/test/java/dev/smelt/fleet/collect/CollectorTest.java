package dev.smelt.fleet.collect;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smelt.fleet.Fleet;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Reports read from the end of the pods' logs (the human log on stderr comes first, the --json report last), one per
 * index (a succeeded retry wins over the failed attempt), ranked best first.
 */
@EnableKubernetesMockClient(crud = true)
class CollectorTest {
    KubernetesClient client;
    KubernetesMockServer server;

    static String log(int index, String status, double evalLoss) {
        return """
                ==> trial %d (t%d): train.lora.r=8
                ==> base [0123456789abcdef] running
                    done in 0.1 s
                {
                  "recipe" : "/recipe/recipe.yaml",
                  "name" : "tiny-t%d",
                  "version" : "1",
                  "trial" : { "index" : %d, "name" : "t%d", "overrides" : [ "train.lora.r=8" ] },
                  "status" : "%s",
                  "exit_code" : %d,
                  "steps" : [ { "name" : "train", "kind" : "train", "values" : { "eval_loss" : %s }, "artefacts" : [ ] } ],
                  "gates" : [ ]
                }
                """.formatted(index, index, index, index, index, status, status.equals("ok") ? 0 : 1, evalLoss);
    }

    void pod(String name, int index, String phase, String created, String log) {
        Pod p = new PodBuilder().withNewMetadata().withName(name).withNamespace("test").withCreationTimestamp(created)
                .addToLabels("batch.kubernetes.io/job-name", "sw").addToAnnotations("batch.kubernetes.io/job-completion-index", "" + index)
                .endMetadata().withNewSpec().addNewContainer().withName("smelt").withImage("smelt").endContainer().endSpec()
                .withNewStatus().withPhase(phase).endStatus().build();
        client.pods().inNamespace("test").resource(p).create();
        client.pods().inNamespace("test").resource(p).updateStatus();
        server.expect().get().withPath("/api/v1/namespaces/test/pods/" + name + "/log?pretty=false").andReturn(200, log).always();
    }

    @Test
    void reportsComeFromTheEndOfEachIndexsNewestFinishedPod() {
        pod("sw-0-a", 0, "Succeeded", "2026-01-01T00:00:00Z", log(0, "ok", 2.5));
        pod("sw-1-a", 1, "Failed", "2026-01-01T00:00:00Z", log(1, "failed", 9.0));
        pod("sw-1-b", 1, "Succeeded", "2026-01-01T00:05:00Z", log(1, "ok", 1.5));
        pod("sw-2-a", 2, "Running", "2026-01-01T00:00:00Z", "==> still training\n");
        Map<Integer, String> logs = new Fleet(client).logs("test", "sw");
        assertThat(logs).containsOnlyKeys(0, 1);
        List<TrialResult> found = new ArrayList<>();
        logs.forEach((i, l) -> found.add(Collector.fromLog(l, "pod log of index " + i)));
        List<TrialResult> rows = Collector.ranked(found);
        assertThat(rows).extracting(TrialResult::index).containsExactly(1, 0);
        assertThat(rows.get(0).status()).isEqualTo("ok");
        assertThat(rows.get(0).evalLoss()).isEqualTo(1.5);
        assertThat(rows.get(0).release()).isEqualTo("tiny-t1");
        assertThat(Collector.fromLog("no report here\n", "x")).isNull();
    }
}
