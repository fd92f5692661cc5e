package dev.smelt.core.vision;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.smelt.core.SmeltException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The image processor settings of a Qwen3.5 / Qwen3-VL checkpoint ({@code preprocessor_config.json}).
 * The pixel limits come from {@code size.shortest_edge} / {@code size.longest_edge} (or the older top-level
 * {@code min_pixels} / {@code max_pixels}); absent fields take the values the released Qwen3.5 checkpoints ship
 * (patch 16, merge 2, temporal patch 2, mean = std = 0.5, 65,536 to 16,777,216 pixels), not the Qwen2-VL class defaults.
 */
public record ImageProcessorConfig(
        int patchSize, int temporalPatchSize, int mergeSize, long minPixels, long maxPixels,
        double[] imageMean, double[] imageStd, double rescaleFactor, boolean doResize, boolean doRescale,
        boolean doNormalize) {

    public static final String FILE = "preprocessor_config.json";

    /** The released Qwen3.5 settings. */
    public static ImageProcessorConfig qwen35Defaults() {
        return new ImageProcessorConfig(16, 2, 2, 65_536, 16_777_216, new double[] {0.5, 0.5, 0.5},
                new double[] {0.5, 0.5, 0.5}, 1.0 / 255, true, true, true);
    }

    /** Side of the square each merged LLM token covers: {@code patch_size * merge_size} (32 for Qwen3.5). */
    public int factor() {
        return patchSize * mergeSize;
    }

    /** Reads {@code dir/preprocessor_config.json}; a missing file is an error naming it. */
    public static ImageProcessorConfig read(Path dir) {
        Path f = dir.resolve(FILE);
        if (!Files.isRegularFile(f)) {
            throw new SmeltException(f + ": missing (a vision model needs its image processor settings)");
        }
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(f.toFile());
        } catch (IOException e) {
            throw new SmeltException(f + ": not valid JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
        return parse(f.toString(), root);
    }

    public static ImageProcessorConfig parse(String file, JsonNode root) {
        if (root == null || !root.isObject()) throw new SmeltException(file + ": expected a JSON object");
        ImageProcessorConfig d = qwen35Defaults();
        JsonNode size = root.get("size");
        long min = d.minPixels, max = d.maxPixels;
        if (size != null && size.isObject()) {
            min = positiveLong(file, size, "shortest_edge", "size.", min);
            max = positiveLong(file, size, "longest_edge", "size.", max);
        }
        min = positiveLong(file, root, "min_pixels", "", min);
        max = positiveLong(file, root, "max_pixels", "", max);
        if (min > max) throw new SmeltException(file + ": minimum pixels " + min + " exceed maximum pixels " + max);
        ImageProcessorConfig c = new ImageProcessorConfig(
                (int) positiveLong(file, root, "patch_size", "", d.patchSize),
                (int) positiveLong(file, root, "temporal_patch_size", "", d.temporalPatchSize),
                (int) positiveLong(file, root, "merge_size", "", d.mergeSize), min, max,
                triple(file, root, "image_mean", d.imageMean), triple(file, root, "image_std", d.imageStd),
                root.hasNonNull("rescale_factor") ? root.get("rescale_factor").asDouble() : d.rescaleFactor,
                bool(root, "do_resize", true), bool(root, "do_rescale", true), bool(root, "do_normalize", true));
        for (double s : c.imageStd) {
            if (!(s > 0)) throw new SmeltException(file + ": image_std entries must be positive");
        }
        return c;
    }

    private static long positiveLong(String file, JsonNode o, String key, String prefix, long dflt) {
        JsonNode v = o.get(key);
        if (v == null || v.isNull()) return dflt;
        if (!v.isIntegralNumber() || v.asLong() <= 0) {
            throw new SmeltException(file + ": field \"" + prefix + key + "\" must be a positive integer, got " + v);
        }
        return v.asLong();
    }

    private static double[] triple(String file, JsonNode o, String key, double[] dflt) {
        JsonNode v = o.get(key);
        if (v == null || v.isNull()) return dflt.clone();
        if (v.isNumber()) return new double[] {v.asDouble(), v.asDouble(), v.asDouble()};
        if (!v.isArray() || v.size() != 3) throw new SmeltException(file + ": field \"" + key + "\" must be a list of 3 numbers");
        return new double[] {v.get(0).asDouble(), v.get(1).asDouble(), v.get(2).asDouble()};
    }

    private static boolean bool(JsonNode o, String key, boolean dflt) {
        JsonNode v = o.get(key);
        return v == null || v.isNull() ? dflt : v.asBoolean();
    }
}
