package dev.smelt.fleet;

import dev.smelt.core.SmeltException;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

/**
 * What {@code smelt fleet submit} asks for: the fleet (Job) name and namespace, the recipe with its {@code --set}s and
 * trial source ({@code --grid} arguments or a customers file; neither: the recipe's {@code sweep:} section), the
 * image, per-pod resources ({@code gpus} whole {@code nvidia.com/gpu}, Kubernetes quantities for cpu and memory, null:
 * none requested), the volumes (PVC names; null: an emptyDir), and the Job's parallelism (null: every trial at once),
 * per-index retries and time-to-live.
 */
public record FleetSpec(String name, String namespace, Path recipe, List<String> sets, List<String> grid, Path customers,
        String image, int gpus, String cpus, String memory, String hfCachePvc, String workPvc, String hfTokenSecret,
        Integer parallelism, int backoffLimitPerIndex, long ttlSecondsAfterFinished) {
    /** A DNS-1123 label short enough for the pods' hostnames ({@code NAME-INDEX}). */
    private static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9]{0,45}[a-z0-9])?");

    public FleetSpec {
        sets = sets == null ? List.of() : List.copyOf(sets);
        grid = grid == null ? List.of() : List.copyOf(grid);
        if (!NAME.matcher(name).matches()) {
            throw new SmeltException("fleet name \"" + name + "\" must be lower-case letters, digits and '-', at most 47, starting "
                    + "and ending with a letter or digit (it names the Job and its pods)");
        }
        if (image == null || image.isBlank()) throw new SmeltException("--image: the container image with smelt on its PATH is required");
        if (gpus < 0) throw new SmeltException("--gpus must be 0 or more, got " + gpus);
        if (parallelism != null && parallelism < 1) throw new SmeltException("--parallelism must be 1 or more, got " + parallelism);
        if (backoffLimitPerIndex < 0) throw new SmeltException("--retries must be 0 or more, got " + backoffLimitPerIndex);
        if (ttlSecondsAfterFinished < 0) throw new SmeltException("--ttl must be 0 or more seconds, got " + ttlSecondsAfterFinished);
    }

    /** A fleet name from a recipe name: lower case, other characters as '-', cut to fit. */
    public static String defaultName(String recipeName) {
        String n = recipeName.toLowerCase().replaceAll("[^a-z0-9-]+", "-").replaceAll("^-+|-+$", "");
        if (n.length() > 47) n = n.substring(0, 47).replaceAll("-+$", "");
        return n.isEmpty() ? "smelt" : n;
    }
}
