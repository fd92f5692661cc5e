package dev.smelt.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smelt.core.SmeltException;
import dev.smelt.recipe.format.RecipeLoader;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fleets against fabric8's Kubernetes mock server in CRUD mode (it runs no controllers: the tests write the Job status
 * as the Job controller would): submit, watch to completion, list by label, status with a failed index, and the
 * dry-run YAML read back by fabric8's serializer.
 */
@EnableKubernetesMockClient(crud = true)
class FleetTest {
    KubernetesClient client;

    @TempDir
    Path dir;

    static final Path DATA = Path.of("..", "recipes", "data").toAbsolutePath().normalize();

    Path recipe() throws Exception {
        Files.createDirectories(dir.resolve("data"));
        Files.copy(DATA.resolve("quickstart.jsonl"), dir.resolve("data/quickstart.jsonl"));
        Path f = dir.resolve("tiny.yaml");
        Files.writeString(f, """
                name: tiny
                version: 0.0.1
                base: {tiny: {arch: qwen3}}
                data: {sources: [data/quickstart.jsonl], seq_len: 64}
                train: {max_steps: 2}
                bundle: {format: tar.gz}
                """);
        return f;
    }

    FleetSpec spec(String name, Path recipe, List<String> grid, Path customers, int gpus) {
        return new FleetSpec(name, "test", recipe, List.of("train.seed=7"), grid, customers, "registry.example/smelt:0.1.0", gpus, "4",
                "16Gi", "hf-cache", "smelt-work", null, 2, 2, 86400);
    }

    FleetJobs.Objects grid(String name, int gpus) throws Exception {
        return FleetJobs.build(spec(name, recipe(), List.of("train.optimizer.lr=1e-4,2e-4", "train.lora.r=8,16"), null, gpus),
                new RecipeLoader(n -> null));
    }

    @Test
    void submitCreatesTheRecipeConfigMapAndAnIndexedJobWithGpusVolumesAndEnv() throws Exception {
        FleetJobs.Objects o = grid("sweep-a", 2);
        new Fleet(client).submit(o);

        Job job = client.batch().v1().jobs().inNamespace("test").withName("sweep-a").get();
        assertThat(job.getMetadata().getLabels()).containsEntry("app", "smelt").containsEntry("smelt.dev/fleet", "sweep-a");
        assertThat(job.getSpec().getCompletionMode()).isEqualTo("Indexed");
        assertThat(job.getSpec().getCompletions()).isEqualTo(4);
        assertThat(job.getSpec().getParallelism()).isEqualTo(2);
        assertThat(job.getSpec().getBackoffLimitPerIndex()).isEqualTo(2);
        assertThat(job.getSpec().getTtlSecondsAfterFinished()).isEqualTo(86400);
        PodSpec pod = job.getSpec().getTemplate().getSpec();
        assertThat(pod.getRestartPolicy()).isEqualTo("Never");
        assertThat(job.getSpec().getTemplate().getMetadata().getLabels()).containsEntry("smelt.dev/fleet", "sweep-a");
        Container c = pod.getContainers().get(0);
        assertThat(c.getImage()).isEqualTo("registry.example/smelt:0.1.0");
        assertThat(c.getCommand()).containsExactly("smelt", "recipe", "run", "/recipe/recipe.yaml", "--trial", "$(JOB_COMPLETION_INDEX)",
                "--json", "--work-dir", "/work/sweep-a", "--grid", "train.optimizer.lr=1e-4,2e-4", "--grid", "train.lora.r=8,16",
                "--set", "train.devices=gpu0,gpu1", "--set", "train.seed=7");
        assertThat(c.getResources().getLimits()).containsEntry("nvidia.com/gpu", new Quantity("2")).containsEntry("memory", new Quantity("16Gi"));
        assertThat(c.getResources().getRequests()).containsEntry("cpu", new Quantity("4")).containsEntry("memory", new Quantity("16Gi"));
        assertThat(pod.getTolerations()).singleElement().satisfies(t -> {
            assertThat(t.getKey()).isEqualTo("nvidia.com/gpu");
            assertThat(t.getOperator()).isEqualTo("Exists");
            assertThat(t.getEffect()).isEqualTo("NoSchedule");
        });
        assertThat(c.getEnv()).anySatisfy(e -> {
            assertThat(e.getName()).isEqualTo("OPT_OUT_TRACKING");
            assertThat(e.getValue()).isEqualTo("true");
        }).anySatisfy(e -> {
            assertThat(e.getName()).isEqualTo("HF_HOME");
            assertThat(e.getValue()).isEqualTo("/hf-cache");
        });
        Volume hf = pod.getVolumes().stream().filter(v -> v.getName().equals("hf-cache")).findFirst().orElseThrow();
        assertThat(hf.getPersistentVolumeClaim().getClaimName()).isEqualTo("hf-cache");
        Volume work = pod.getVolumes().stream().filter(v -> v.getName().equals("work")).findFirst().orElseThrow();
        assertThat(work.getPersistentVolumeClaim().getClaimName()).isEqualTo("smelt-work");
        assertThat(c.getVolumeMounts()).anySatisfy(m -> {
            assertThat(m.getName()).isEqualTo("hf-cache");
            assertThat(m.getMountPath()).isEqualTo("/hf-cache");
        }).anySatisfy(m -> {
            assertThat(m.getName()).isEqualTo("recipe");
            assertThat(m.getMountPath()).isEqualTo("/recipe");
            assertThat(m.getReadOnly()).isTrue();
        });

        ConfigMap cm = client.configMaps().inNamespace("test").withName("sweep-a-recipe").get();
        assertThat(cm.getData().get("recipe.yaml")).isEqualTo(Files.readString(dir.resolve("tiny.yaml")));
        assertThat(cm.getData().get("trials.json")).contains("\"release\" : \"tiny-t3-lr2e-4-r16\"");
        // the local data file travels beside recipe.yaml, mounted at its relative path
        String key = cm.getBinaryData().keySet().iterator().next();
        assertThat(Base64.getDecoder().decode(cm.getBinaryData().get(key))).isEqualTo(Files.readAllBytes(dir.resolve("data/quickstart.jsonl")));
        Volume rv = pod.getVolumes().stream().filter(v -> v.getName().equals("recipe")).findFirst().orElseThrow();
        assertThat(rv.getConfigMap().getItems()).anySatisfy(i -> {
            assertThat(i.getKey()).isEqualTo(key);
            assertThat(i.getPath()).isEqualTo("data/quickstart.jsonl");
        });
        assertThat(cm.getMetadata().getOwnerReferences()).singleElement().satisfies(r -> {
            assertThat(r.getKind()).isEqualTo("Job");
            assertThat(r.getName()).isEqualTo("sweep-a");
            assertThat(r.getUid()).isEqualTo(job.getMetadata().getUid());
        });
        // a second submit of the same name is refused in one line
        assertThatThrownBy(() -> new Fleet(client).submit(o)).isInstanceOf(SmeltException.class)
                .hasMessage("fleet sweep-a already exists in namespace test (smelt fleet status sweep-a); choose another --name");
    }

    @Test
    void noGpusMeansNoGpuLimitOrToleration() throws Exception {
        FleetJobs.Objects o = grid("cpu-sweep", 0);
        Container c = o.job().getSpec().getTemplate().getSpec().getContainers().get(0);
        assertThat(c.getResources().getLimits()).doesNotContainKey("nvidia.com/gpu");
        assertThat(o.job().getSpec().getTemplate().getSpec().getTolerations()).isEmpty();
        assertThat(c.getCommand()).doesNotContain("train.devices=gpu0");
    }

    /** The controller's part, played by the test: status written through the status subresource. */
    void writeStatus(String name, int active, int succeeded, int failed, String completed, String failedIdx, String condition,
            String reason) {
        Job j = client.batch().v1().jobs().inNamespace("test").withName(name).get();
        JobStatusBuilder s = new JobStatusBuilder().withActive(active).withSucceeded(succeeded).withFailed(failed)
                .withCompletedIndexes(completed).withFailedIndexes(failedIdx);
        if (condition != null) {
            s.withConditions(new JobConditionBuilder().withType(condition).withStatus("True").withReason(reason).build());
        }
        j.setStatus(s.build());
        client.batch().v1().jobs().inNamespace("test").resource(j).updateStatus();
    }

    @Test
    void awaitWatchesTheJobUntilItIsComplete() throws Exception {
        new Fleet(client).submit(grid("sweep-w", 1));
        List<String> seen = Collections.synchronizedList(new ArrayList<>());
        CompletableFuture<FleetStatus> done = CompletableFuture.supplyAsync(() -> new Fleet(client).await("test", "sweep-w",
                Duration.ofSeconds(30), s -> seen.add(s.state() + " " + s.succeeded() + "/" + s.trials())));
        Thread.sleep(300);
        assertThat(done).isNotDone();
        writeStatus("sweep-w", 4, 0, 0, null, null, null, null);
        writeStatus("sweep-w", 2, 2, 0, "0-1", null, null, null);
        assertThat(done).isNotDone();
        writeStatus("sweep-w", 0, 4, 0, "0-3", null, "Complete", "CompletionsReached");
        FleetStatus s = done.get(30, TimeUnit.SECONDS);
        assertThat(s.state()).isEqualTo("complete");
        assertThat(s.completed()).containsExactly(0, 1, 2, 3);
        assertThat(s.failedIndexes()).isEmpty();
        assertThat(s.trialInfo()).extracting(m -> m.get("name")).containsExactly("t0-lr1e-4-r8", "t1-lr1e-4-r16", "t2-lr2e-4-r8",
                "t3-lr2e-4-r16");
        assertThat(seen).first().isEqualTo("running 0/4");
        assertThat(seen).last().isEqualTo("complete 4/4");
    }

    @Test
    void awaitGivesUpAfterItsTimeoutInOneLine() throws Exception {
        new Fleet(client).submit(grid("sweep-t", 0));
        assertThatThrownBy(() -> new Fleet(client).await("test", "sweep-t", Duration.ofMillis(500), null))
                .isInstanceOf(SmeltException.class).hasMessage("fleet sweep-t: not finished after 0 s (smelt fleet status sweep-t)");
    }

    @Test
    void statusReportsAFailedIndexAndWhereEachIndexIs() throws Exception {
        new Fleet(client).submit(grid("sweep-f", 1));
        // index 2 failed three times (backoffLimitPerIndex 2), the others succeeded
        writeStatus("sweep-f", 0, 3, 3, "0-1,3", "2", "Failed", "FailedIndexes");
        FleetStatus s = new Fleet(client).status("test", "sweep-f");
        assertThat(s.state()).isEqualTo("failed");
        assertThat(s.message()).isEqualTo("FailedIndexes");
        assertThat(s.completed()).containsExactly(0, 1, 3);
        assertThat(s.failedIndexes()).containsExactly(2);
        assertThat(s.indexState(2)).isEqualTo("failed");
        assertThat(s.indexState(3)).isEqualTo("complete");
        assertThat(s.location(2)).isEqualTo("pvc/smelt-work:/work/sweep-f/trial-2");
        Map<String, Object> j = s.toJson();
        assertThat(j).containsEntry("completed_indexes", "0-1,3").containsEntry("failed_indexes", "2");
        @SuppressWarnings("unchecked")
        Map<String, Object> two = ((List<Map<String, Object>>) j.get("indexes")).get(2);
        assertThat(two).containsEntry("name", "t2-lr2e-4-r8").containsEntry("release", "tiny-t2-lr2e-4-r8").containsEntry("state", "failed")
                .containsEntry("report", "pvc/smelt-work:/work/sweep-f/trial-2/report.json");
        assertThatThrownBy(() -> new Fleet(client).status("test", "nope")).hasMessage("no fleet nope in namespace test (smelt fleet list)");
    }

    @Test
    void listFindsFleetsByLabel() throws Exception {
        Path c = dir.resolve("customers.yaml");
        Files.writeString(c, """
                customers:
                  - {name: acme, set: {train.lora.r: 8}}
                  - {name: globex, set: {train.lora.r: 16}}
                  - {name: initech}
                """);
        Path r = recipe();
        Fleet fleet = new Fleet(client);
        fleet.submit(FleetJobs.build(spec("customers", r, List.of(), c, 1), new RecipeLoader(n -> null)));
        fleet.submit(FleetJobs.build(spec("sweep-l", r, List.of("train.lora.r=4,8"), null, 0), new RecipeLoader(n -> null)));
        // a Job that is not a fleet
        client.batch().v1().jobs().inNamespace("test").resource(new JobBuilder().withNewMetadata().withName("other").endMetadata()
                .withNewSpec().withNewTemplate().withNewSpec().addNewContainer().withName("x").withImage("busybox").endContainer()
                .withRestartPolicy("Never").endSpec().endTemplate().endSpec().build()).create();
        List<FleetStatus> all = fleet.list("test");
        assertThat(all).extracting(FleetStatus::name).containsExactlyInAnyOrder("customers", "sweep-l");
        FleetStatus cs = all.stream().filter(s -> s.name().equals("customers")).findFirst().orElseThrow();
        assertThat(cs.trials()).isEqualTo(3);
        Job j = client.batch().v1().jobs().inNamespace("test").withName("customers").get();
        assertThat(j.getSpec().getTemplate().getSpec().getContainers().get(0).getCommand())
                .containsSubsequence("--customers", "/recipe/customers.yaml");
        assertThat(client.configMaps().inNamespace("test").withName("customers-recipe").get().getData())
                .containsEntry("customers.yaml", Files.readString(c));
    }

    @Test
    void theDryRunYamlRoundTripsThroughFabric8sSerializer() throws Exception {
        FleetJobs.Objects o = grid("sweep-y", 1);
        String yaml = o.yaml();
        assertThat(yaml).startsWith("---\napiVersion: \"v1\"\nkind: \"ConfigMap\"").contains("\n---\napiVersion: \"batch/v1\"\nkind: \"Job\"");
        Object back = Serialization.unmarshal(yaml);
        assertThat(back).isInstanceOf(List.class);
        @SuppressWarnings("unchecked")
        List<HasMetadata> items = (List<HasMetadata>) back;
        assertThat(items).hasSize(2);
        assertThat(items.get(0)).isEqualTo(o.configMap());
        assertThat(items.get(1)).isEqualTo(o.job());
    }

    @Test
    void localDataThatCannotTravelIsRefusedInOneLine() throws Exception {
        Path f = recipe();
        Files.writeString(f, Files.readString(f).replace("data/quickstart.jsonl", "data/*.jsonl"));
        assertThatThrownBy(() -> FleetJobs.build(spec("g", f, List.of("train.lora.r=4"), null, 0), new RecipeLoader(n -> null)))
                .hasMessage(f + ": data data/*.jsonl must be a file beside the recipe to travel with the fleet (or hf://..., or an "
                        + "absolute path on a volume)");
        assertThatThrownBy(() -> spec("Bad_Name", f, List.of(), null, 0)).hasMessageStartingWith("fleet name \"Bad_Name\" must be lower-case");
    }
}
