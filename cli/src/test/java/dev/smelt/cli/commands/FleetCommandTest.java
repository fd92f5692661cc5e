package dev.smelt.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.smelt.cli.Smelt;
import dev.smelt.testkit.cli.CliRunner;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * smelt fleet through the CLI: --dry-run YAML without a cluster; submit, status with a failed index and list against
 * fabric8's CRUD mock server (found through the kubernetes.* system properties, as a kubeconfig would be); collect from a
 * directory of reports, best first.
 */
@EnableKubernetesMockClient(crud = true)
class FleetCommandTest {
    static final CliRunner SMELT = new CliRunner(Smelt::run);
    static final Path DATA = Path.of("..", "recipes", "data").toAbsolutePath().normalize();
    static final Map<String, String> PROPS = Map.of("kubernetes.auth.tryKubeConfig", "false", "kubernetes.auth.tryServiceAccount", "false",
            "kubernetes.trust.certificates", "true", "kubernetes.disable.hostname.verification", "true", "kubernetes.namespace", "test");

    KubernetesClient client;

    @TempDir
    Path dir;

    @BeforeEach
    void pointAtTheMockServer() {
        PROPS.forEach(System::setProperty);
        System.setProperty("kubernetes.master", client.getMasterUrl().toString());
    }

    @AfterEach
    void clear() {
        PROPS.keySet().forEach(System::clearProperty);
        System.clearProperty("kubernetes.master");
    }

    Path recipe() throws Exception {
        Files.createDirectories(dir.resolve("data"));
        Files.copy(DATA.resolve("quickstart.jsonl"), dir.resolve("data/quickstart.jsonl"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Path f = dir.resolve("tiny.yaml");
        Files.writeString(f, """
                name: Tiny_Sweep
                version: 0.0.1
                base: {tiny: {arch: qwen3}}
                data: {sources: [data/quickstart.jsonl], seq_len: 64}
                train: {max_steps: 2}
                sweep:
                  grid:
                    train.optimizer.lr: [1e-4, 2e-4]
                    train.lora.r: [8, 16]
                """);
        return f;
    }

    @Test
    void dryRunPrintsYamlThatFabric8ReadsBack() throws Exception {
        CliRunner.Result r = SMELT.run("fleet", "submit", recipe().toString(), "--image", "smelt:0.1.0", "--gpus", "1",
                "--hf-cache-pvc", "hf-cache", "--dry-run");
        assertThat(r.code()).as(r.err()).isZero();
        @SuppressWarnings("unchecked")
        List<HasMetadata> items = (List<HasMetadata>) Serialization.<Object>unmarshal(r.out());
        assertThat(items).extracting(HasMetadata::getKind).containsExactly("ConfigMap", "Job");
        Job job = (Job) items.get(1);
        assertThat(job.getMetadata().getName()).isEqualTo("tiny-sweep");
        assertThat(job.getMetadata().getNamespace()).isNull();
        assertThat(job.getSpec().getCompletions()).isEqualTo(4);
        assertThat(job.getSpec().getCompletionMode()).isEqualTo("Indexed");
        // nothing was created: a dry run needs no cluster
        assertThat(client.batch().v1().jobs().inNamespace("test").list().getItems()).isEmpty();

        r = SMELT.run("fleet", "submit", recipe().toString(), "--dry-run");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).startsWith("smelt: error: Missing required option: '--image=IMAGE'");
        r = SMELT.run("fleet", "submit", dir.resolve("tiny.yaml").toString(), "--image", "x", "--grid", "train.lr=1", "--dry-run");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).startsWith("smelt: error: --grid train.lr: no such recipe field train.lr").hasLineCount(1);
    }

    @Test
    void submitStatusAndList() throws Exception {
        CliRunner.Result r = SMELT.run("fleet", "submit", recipe().toString(), "--image", "smelt:0.1.0", "--gpus", "1", "--work-pvc", "work",
                "--name", "sw1");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("fleet sw1: 4 trials submitted to namespace test (Job sw1, ConfigMap sw1-recipe); smelt fleet status sw1\n");

        Job j = client.batch().v1().jobs().inNamespace("test").withName("sw1").get();
        j.setStatus(new JobStatusBuilder().withSucceeded(3).withFailed(3).withCompletedIndexes("0,2-3").withFailedIndexes("1")
                .withConditions(new JobConditionBuilder().withType("Failed").withStatus("True").withReason("FailedIndexes").build()).build());
        client.batch().v1().jobs().inNamespace("test").resource(j).updateStatus();

        r = SMELT.run("fleet", "status", "sw1");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out().lines().toList()).containsExactly(
                "fleet sw1 (recipe Tiny_Sweep) in test: failed (FailedIndexes); 3 of 4 complete, 1 failed, 0 running",
                "index  trial          state     work dir (bundle/*/, report.json)",
                "0      t0-lr1e-4-r8   complete  pvc/work:/work/sw1/trial-0",
                "1      t1-lr1e-4-r16  failed    pvc/work:/work/sw1/trial-1",
                "2      t2-lr2e-4-r8   complete  pvc/work:/work/sw1/trial-2",
                "3      t3-lr2e-4-r16  complete  pvc/work:/work/sw1/trial-3",
                "logs of failed index 1: kubectl logs -n test -l batch.kubernetes.io/job-name=sw1,batch.kubernetes.io/job-completion-index=1");
        r = SMELT.run("fleet", "status", "sw1", "--json");
        JsonNode s = new ObjectMapper().readTree(r.out());
        assertThat(s.get("failed_indexes").asText()).isEqualTo("1");
        assertThat(s.at("/indexes/1/report").asText()).isEqualTo("pvc/work:/work/sw1/trial-1/report.json");
        // --wait on a finished, failed fleet returns at once with exit 1
        r = SMELT.run("fleet", "status", "sw1", "--wait", "--timeout", "10");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).endsWith("smelt: error: fleet sw1 failed: failed indexes 1 (FailedIndexes)\n");

        r = SMELT.run("fleet", "list");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out().lines().toList()).hasSize(2);
        assertThat(r.out().lines().toList().get(1)).startsWith("sw1                      Tiny_Sweep                4        3      1       0  failed");
        r = SMELT.run("fleet", "status", "nope");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("smelt: error: no fleet nope in namespace test (smelt fleet list)\n");
    }

    @Test
    void submitWaitWatchesUntilTheJobCompletes() throws Exception {
        Path f = recipe();
        CompletableFuture<CliRunner.Result> run = CompletableFuture.supplyAsync(() -> SMELT.run("fleet", "submit", f.toString(), "--image",
                "smelt:0.1.0", "--name", "sw2", "--wait", "--timeout", "120"));
        Job j = null;
        for (int i = 0; i < 1200 && (j = client.batch().v1().jobs().inNamespace("test").withName("sw2").get()) == null; i++) Thread.sleep(100);
        assertThat(j).as("the Job was created").isNotNull();
        Thread.sleep(500);
        assertThat(run).isNotDone();
        // the Job controller's part: all four indexes done
        j.setStatus(new JobStatusBuilder().withSucceeded(4).withCompletedIndexes("0-3")
                .withConditions(new JobConditionBuilder().withType("Complete").withStatus("True").build()).build());
        client.batch().v1().jobs().inNamespace("test").resource(j).updateStatus();
        CliRunner.Result r = run.get(120, TimeUnit.SECONDS);
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("fleet sw2: 4 trials submitted to namespace test")
                .contains("fleet sw2 (recipe Tiny_Sweep) in test: complete; 4 of 4 complete, 0 failed, 0 running\n")
                .contains("3      t3-lr2e-4-r16  complete  emptyDir:/work/sw2/trial-3\n")
                .contains("no work volume: each trial's JSON report is the end of its pod's log (smelt fleet collect sw2)");
    }

    static String report(int index, String trial, String status, double evalLoss, double kl, double top1, boolean passed) {
        return """
                {
                  "recipe" : "/recipe/recipe.yaml", "name" : "tiny-%s", "version" : "0.0.1",
                  "trial" : {"index" : %d, "name" : "%s", "overrides" : []},
                  "work_dir" : "/work/sw/trial-%d", "dry_run" : false, "status" : "%s", "exit_code" : %d, "seconds" : 1.0,
                  "steps" : [ {"name" : "train", "kind" : "train", "values" : {"eval_loss" : %s}, "artefacts" : []},
                              {"name" : "bundle", "kind" : "bundle", "values" : {}, "artefacts" : [ {"role" : "bundle", "path" : "/work/sw/trial-%d/bundle/k/b.tar.gz", "bytes" : 1} ]} ],
                  "gates" : [ {"gate" : "max_kl", "limit" : 0.5, "value" : %s, "gguf" : "a-Q4_K_M.gguf", "passed" : %s},
                              {"gate" : "min_top1", "limit" : 0.5, "value" : %s, "gguf" : "a-Q4_K_M.gguf", "passed" : true} ]
                }
                """.formatted(trial, index, trial, index, status, status.equals("ok") ? 0 : 3, evalLoss, index, kl, passed, top1);
    }

    @Test
    void collectRanksTheReportsOfADirectoryBestFirst() throws Exception {
        Path work = dir.resolve("work");
        String[][] trials = {{"0", "t0", "ok", "2.5", "0.05", "0.9", "true"}, {"1", "t1", "gate-failed", "1.0", "0.7", "0.8", "false"},
            {"2", "t2", "ok", "2.0", "0.04", "0.95", "true"}};
        for (String[] t : trials) {
            Path d = work.resolve("trial-" + t[0]);
            Files.createDirectories(d);
            Files.writeString(d.resolve("report.json"), report(Integer.parseInt(t[0]), t[1], t[2], Double.parseDouble(t[3]),
                    Double.parseDouble(t[4]), Double.parseDouble(t[5]), Boolean.parseBoolean(t[6])));
        }
        Files.writeString(work.resolve("notes.json"), "{\"not\": \"a report\"}");
        CliRunner.Result r = SMELT.run("fleet", "collect", work.toString());
        assertThat(r.code()).as(r.err()).isZero();
        List<String> lines = r.out().lines().toList();
        assertThat(lines.get(0)).isEqualTo("rank index trial status      eval_loss    max_kl min_top1  bundle");
        assertThat(lines.get(1)).startsWith("1    2     t2    ok").endsWith("/work/sw/trial-2/bundle/k/b.tar.gz");
        assertThat(lines.get(2)).startsWith("2    0     t0    ok");
        assertThat(lines.get(3)).startsWith("3    1     t1    gate-failed");
        assertThat(lines).hasSize(4);
        r = SMELT.run("fleet", "collect", work.toString(), "--json");
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertThat(j.get(0).get("index").asInt()).isEqualTo(2);
        assertThat(j.get(0).get("eval_loss").asDouble()).isEqualTo(2.0);
        assertThat(j.get(2).get("gates_passed").asBoolean()).isFalse();
    }
}
