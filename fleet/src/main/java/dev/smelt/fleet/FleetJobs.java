package dev.smelt.fleet;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.smelt.core.SmeltException;
import dev.smelt.recipe.format.Recipe;
import dev.smelt.recipe.format.RecipeLoader;
import dev.smelt.recipe.sweep.GridAxis;
import dev.smelt.recipe.sweep.Sweep;
import dev.smelt.recipe.sweep.Trial;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.KeyToPathBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds a fleet's Kubernetes objects: a ConfigMap ({@code NAME-recipe}: {@code recipe.yaml}, the customers file,
 * {@code trials.json}, and the local data files the recipe names, mounted at {@code /recipe} as they lie beside the
 * recipe) and one batch/v1 Indexed Job whose completion index is the trial: {@code smelt recipe run
 * /recipe/recipe.yaml --trial $(JOB_COMPLETION_INDEX) --json --work-dir /work/NAME ...}, with per-index retries
 * ({@code backoffLimitPerIndex}), a TTL, {@code nvidia.com/gpu} limits and a GPU toleration, the Hugging Face cache at
 * {@code HF_HOME=/hf-cache} and the work directory at {@code /work} (PVCs, or emptyDirs), and
 * {@code OPT_OUT_TRACKING=true} (DJL's telemetry off). Objects carry {@code app=smelt} and {@code smelt.dev/fleet=NAME}.
 */
public final class FleetJobs {
    public static final String APP_LABEL = "app";
    public static final String APP = "smelt";
    public static final String FLEET_LABEL = "smelt.dev/fleet";
    public static final String WORK_DIR_ANNOTATION = "smelt.dev/work-dir";
    public static final String WORK_PVC_ANNOTATION = "smelt.dev/work-pvc";
    public static final String RECIPE_ANNOTATION = "smelt.dev/recipe";
    public static final String GPU = "nvidia.com/gpu";
    public static final String RECIPE_MOUNT = "/recipe";
    public static final String HF_HOME = "/hf-cache";
    public static final String WORK_MOUNT = "/work";
    /** Raw bytes of local data a ConfigMap can carry (1 MiB per object, base64 takes a third more). */
    public static final long MAX_LOCAL_DATA = 700 * 1024;

    private FleetJobs() {}

    /** The ConfigMap and the Job of a fleet. */
    public record Objects(ConfigMap configMap, Job job, List<Trial> trials) {
        public List<HasMetadata> list() {
            return List.of(configMap, job);
        }

        /** Both objects as one YAML stream (ConfigMap, then Job), as {@code kubectl apply -f} reads it. */
        public String yaml() {
            return Serialization.asYaml(configMap) + "---\n" + stripDocStart(Serialization.asYaml(job));
        }
    }

    private static String stripDocStart(String yaml) {
        return yaml.startsWith("---\n") ? yaml.substring(4) : yaml;
    }

    public static String configMapName(String fleet) {
        return fleet + "-recipe";
    }

    /** Checks every trial's recipe (as {@code smelt sweep expand} does) and builds the objects. */
    public static Objects build(FleetSpec spec, RecipeLoader loader) {
        RecipeLoader.Loaded base = loader.load(spec.recipe(), spec.sets());
        Sweep sweep = Sweep.resolve(base, spec.grid(), spec.customers());
        String recipeName = base.recipe().name();
        List<String> runSets = new ArrayList<>();
        if (spec.gpus() > 0) {
            List<String> devs = new ArrayList<>();
            for (int i = 0; i < spec.gpus(); i++) devs.add("gpu" + i);
            runSets.add("train.devices=" + String.join(",", devs));
        }
        runSets.addAll(spec.sets());
        sweep.validate(loader, spec.recipe(), runSets, recipeName);

        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(APP_LABEL, APP);
        labels.put(FLEET_LABEL, spec.name());

        // data: local files the trials name, shipped beside recipe.yaml
        Map<String, Path> files = new LinkedHashMap<>();
        List<Trial> trials = sweep.trials();
        for (Trial t : trials) localFiles(Sweep.load(loader, spec.recipe(), runSets, recipeName, t), files);
        Map<String, String> binary = new LinkedHashMap<>();
        List<KeyToPath> items = new ArrayList<>();
        items.add(new KeyToPathBuilder().withKey("recipe.yaml").withPath("recipe.yaml").build());
        long total = 0;
        int n = 0;
        for (Map.Entry<String, Path> f : files.entrySet()) {
            try {
                byte[] b = Files.readAllBytes(f.getValue());
                total += b.length;
                if (total > MAX_LOCAL_DATA) {
                    throw new SmeltException(f.getValue() + ": the recipe's local data passes " + MAX_LOCAL_DATA / 1024 + " KiB, more than a "
                            + "ConfigMap carries: put it on the Hub (hf://datasets/...) or a volume (an absolute path) and --set vars.data=...");
                }
                String key = "data-" + (n++) + "-" + f.getValue().getFileName().toString().replaceAll("[^-._a-zA-Z0-9]", "_");
                binary.put(key, Base64.getEncoder().encodeToString(b));
                items.add(new KeyToPathBuilder().withKey(key).withPath(f.getKey()).build());
            } catch (IOException e) {
                throw new SmeltException(f.getValue() + ": " + e.getMessage());
            }
        }
        Map<String, String> data = new LinkedHashMap<>();
        try {
            data.put("recipe.yaml", Files.readString(spec.recipe(), StandardCharsets.UTF_8));
            if (sweep.source() == Sweep.Source.CUSTOMERS) {
                data.put("customers.yaml", Files.readString(sweep.customersFile(), StandardCharsets.UTF_8));
                items.add(new KeyToPathBuilder().withKey("customers.yaml").withPath("customers.yaml").build());
            }
            List<Map<String, Object>> tj = new ArrayList<>();
            for (Trial t : trials) {
                Map<String, Object> j = t.toJson();
                j.put("release", t.releaseName(recipeName));
                tj.add(j);
            }
            data.put("trials.json", new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(tj) + "\n");
        } catch (IOException e) {
            throw new SmeltException(spec.recipe() + ": " + e.getMessage());
        }
        ConfigMap cm = new ConfigMapBuilder()
                .withNewMetadata().withName(configMapName(spec.name())).withNamespace(spec.namespace()).withLabels(labels).endMetadata()
                .withData(data).withBinaryData(binary.isEmpty() ? null : binary)
                .build();

        String workDir = WORK_MOUNT + "/" + spec.name();
        List<String> command = new ArrayList<>(List.of("smelt", "recipe", "run", RECIPE_MOUNT + "/recipe.yaml",
                "--trial", "$(JOB_COMPLETION_INDEX)", "--json", "--work-dir", workDir));
        if (sweep.source() == Sweep.Source.GRID) {
            for (GridAxis a : sweep.axes()) command.addAll(List.of("--grid", a.key() + "=" + String.join(",", a.values())));
        } else if (sweep.source() == Sweep.Source.CUSTOMERS) {
            command.addAll(List.of("--customers", RECIPE_MOUNT + "/customers.yaml"));
        }
        for (String s : runSets) command.addAll(List.of("--set", s));

        List<EnvVar> env = new ArrayList<>();
        env.add(new EnvVarBuilder().withName("OPT_OUT_TRACKING").withValue("true").build());
        env.add(new EnvVarBuilder().withName("HF_HOME").withValue(HF_HOME).build());
        if (spec.hfTokenSecret() != null) {
            env.add(new EnvVarBuilder().withName("HF_TOKEN").withNewValueFrom().withNewSecretKeyRef("token", spec.hfTokenSecret(), false)
                    .endValueFrom().build());
        }
        Map<String, Quantity> requests = new LinkedHashMap<>();
        Map<String, Quantity> limits = new LinkedHashMap<>();
        if (spec.cpus() != null) requests.put("cpu", quantity("--cpus", spec.cpus()));
        if (spec.memory() != null) {
            requests.put("memory", quantity("--memory", spec.memory()));
            limits.put("memory", quantity("--memory", spec.memory()));
        }
        if (spec.gpus() > 0) limits.put(GPU, new Quantity(Integer.toString(spec.gpus())));
        List<Toleration> tolerations = spec.gpus() > 0
                ? List.of(new TolerationBuilder().withKey(GPU).withOperator("Exists").withEffect("NoSchedule").build())
                : List.of();

        List<Volume> volumes = new ArrayList<>();
        volumes.add(new VolumeBuilder().withName("recipe").withNewConfigMap().withName(cm.getMetadata().getName()).withItems(items)
                .endConfigMap().build());
        volumes.add(spec.hfCachePvc() != null
                ? new VolumeBuilder().withName("hf-cache").withNewPersistentVolumeClaim(spec.hfCachePvc(), false).build()
                : new VolumeBuilder().withName("hf-cache").withNewEmptyDir().endEmptyDir().build());
        volumes.add(spec.workPvc() != null
                ? new VolumeBuilder().withName("work").withNewPersistentVolumeClaim(spec.workPvc(), false).build()
                : new VolumeBuilder().withName("work").withNewEmptyDir().endEmptyDir().build());

        Map<String, String> annotations = new LinkedHashMap<>();
        annotations.put(RECIPE_ANNOTATION, recipeName);
        annotations.put(WORK_DIR_ANNOTATION, workDir);
        if (spec.workPvc() != null) annotations.put(WORK_PVC_ANNOTATION, spec.workPvc());

        Job job = new JobBuilder()
                .withNewMetadata().withName(spec.name()).withNamespace(spec.namespace()).withLabels(labels).withAnnotations(annotations)
                .endMetadata()
                .withNewSpec()
                    .withCompletionMode("Indexed")
                    .withCompletions(trials.size())
                    .withParallelism(spec.parallelism() != null ? Math.min(spec.parallelism(), trials.size()) : trials.size())
                    .withBackoffLimitPerIndex(spec.backoffLimitPerIndex())
                    .withTtlSecondsAfterFinished((int) Math.min(Integer.MAX_VALUE, spec.ttlSecondsAfterFinished()))
                    .withNewTemplate()
                        .withNewMetadata().withLabels(labels).endMetadata()
                        .withNewSpec()
                            .withRestartPolicy("Never")
                            .withTolerations(tolerations)
                            .addNewContainer()
                                .withName("smelt")
                                .withImage(spec.image())
                                .withCommand(command)
                                .withEnv(env)
                                .withResources(new ResourceRequirementsBuilder().withRequests(requests.isEmpty() ? null : requests)
                                        .withLimits(limits.isEmpty() ? null : limits).build())
                                .addNewVolumeMount().withName("recipe").withMountPath(RECIPE_MOUNT).withReadOnly(true).endVolumeMount()
                                .addNewVolumeMount().withName("hf-cache").withMountPath(HF_HOME).endVolumeMount()
                                .addNewVolumeMount().withName("work").withMountPath(WORK_MOUNT).endVolumeMount()
                            .endContainer()
                            .withVolumes(volumes)
                        .endSpec()
                    .endTemplate()
                .endSpec()
                .build();
        return new Objects(cm, job, trials);
    }

    private static Quantity quantity(String flag, String text) {
        if (!text.matches("[0-9]+(\\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?")) {
            throw new SmeltException(flag + " " + text + ": expected a Kubernetes quantity such as 8, 500m, 64Gi");
        }
        return new Quantity(text);
    }

    /**
     * The recipe's local files that must travel with it: relative data paths become files beside recipe.yaml in the
     * pod; absolute paths and hf:// are left to the pod (a volume or the Hub). A relative directory, glob, base.dir
     * or dataset card cannot travel in a ConfigMap and is refused.
     */
    private static void localFiles(RecipeLoader.Loaded l, Map<String, Path> into) {
        Recipe r = l.recipe();
        if (r.base().dir() != null && !Path.of(r.base().dir()).isAbsolute()) {
            throw new SmeltException(l.file() + ": base.dir " + r.base().dir() + " is a local directory the fleet's pods cannot read: "
                    + "use base.hub, or an absolute path on a volume");
        }
        if (r.bundle() != null && r.bundle().datasetCards() != null) {
            for (String c : r.bundle().datasetCards()) {
                if (!Path.of(c).isAbsolute()) {
                    throw new SmeltException(l.file() + ": bundle.dataset_cards " + c + " is a local directory the fleet's pods cannot read: "
                            + "use an absolute path on a volume");
                }
            }
        }
        List<String> paths = new ArrayList<>(r.data().sources());
        if (r.data().valSources() != null) paths.addAll(r.data().valSources());
        if (r.export() != null && r.export().gguf() != null && r.export().gguf().imatrix() != null
                && r.export().gguf().imatrix().data() != null) {
            paths.addAll(r.export().gguf().imatrix().data());
        }
        if (r.gates() != null && r.gates().report() != null && r.gates().report().data() != null) paths.addAll(r.gates().report().data());
        for (String p : paths) {
            if (p.startsWith("hf://") || Path.of(p).isAbsolute()) continue;
            Path rel = Path.of(p).normalize();
            Path file = l.resolve(p);
            if (rel.startsWith("..") || !Files.isRegularFile(file)) {
                throw new SmeltException(l.file() + ": data " + p + " must be a file beside the recipe to travel with the fleet "
                        + "(or hf://..., or an absolute path on a volume)");
            }
            into.putIfAbsent(rel.toString().replace('\\', '/'), file);
        }
    }
}
