package dev.smelt.models.qwen35;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.smelt.core.io.AtomicFiles;
import dev.smelt.core.model.LayerType;
import dev.smelt.core.model.Qwen35Config;
import dev.smelt.core.model.Qwen35VisionTower;
import dev.smelt.core.model.TensorSpec;
import dev.smelt.core.safetensors.DType;
import dev.smelt.testkit.tiny.TinyModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Tiny random Qwen3.5 checkpoints for tests: 4 layers (3 Gated DeltaNet + 1 attention), more V heads than K
 * heads, head_dim 32 with 8 rotary channels (mRoPE sections [2, 1, 1]), a small vision tower and an MTP layer
 * that the text model must skip. Weights are kept in {@link #weights} for the plain-Java reference.
 */
final class TinyQwen35 {
    final Qwen35Config config;
    final Map<String, float[]> weights = new LinkedHashMap<>();

    private TinyQwen35(Qwen35Config config) {
        this.config = config;
    }

    static Qwen35Config config(boolean tied, boolean nested, int keyHeads, int valueHeads) {
        JsonNode vision = null;
        if (nested) {
            try {
                vision = new ObjectMapper().readTree("{\"depth\": 1, \"hidden_size\": 8, \"intermediate_size\": 16,"
                        + " \"num_heads\": 2, \"in_channels\": 3, \"patch_size\": 2, \"temporal_patch_size\": 2,"
                        + " \"spatial_merge_size\": 2, \"num_position_embeddings\": 4, \"out_hidden_size\": 32,"
                        + " \"model_type\": \"qwen3_5\", \"deepstack_visual_indexes\": []}");
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
        List<LayerType> types = List.of(LayerType.LINEAR_ATTENTION, LayerType.LINEAR_ATTENTION,
                LayerType.LINEAR_ATTENTION, LayerType.FULL_ATTENTION);
        return new Qwen35Config(61, 32, 48, 4, 4, 2, 32, 1e-6, 10_000_000.0, 0.25, List.of(2, 1, 1), true, 256,
                tied, true, 4, 8, 8, keyHeads, valueHeads, types, 4, 1, nested, vision, null, List.of(60), null);
    }

    static TinyQwen35 write(Path dir, Qwen35Config c, long seed) throws IOException {
        TinyQwen35 m = new TinyQwen35(c);
        Random r = new Random(seed);
        List<TensorSpec> specs = new ArrayList<>(c.tensorSpecs());
        specs.addAll(c.mtpTensorSpecs());
        if (c.visionConfig() != null) specs.addAll(Qwen35VisionTower.fromJson("tiny", c.visionConfig()).tensorSpecs());
        Files.createDirectories(dir);
        AtomicFiles.writeString(dir.resolve("config.json"), c.toJson().toPrettyString());
        TinyModels.writeWeights(dir, specs, DType.F32, (s, v) -> {
            String n = s.name();
            for (int i = 0; i < v.length; i++) {
                double x = r.nextGaussian();
                if (n.endsWith("linear_attn.norm.weight")) v[i] = (float) (1 + 0.1 * x);
                else if (n.endsWith("norm.weight")) v[i] = (float) (0.1 * x); // (1+w) norms
                else if (n.endsWith("A_log")) v[i] = (float) (2 * r.nextDouble() - 1);
                else if (n.endsWith("dt_bias")) v[i] = (float) (0.3 * x);
                else if (n.endsWith("conv1d.weight")) v[i] = (float) (0.5 * x);
                else if (s.shape().length == 2) v[i] = (float) (1.5 / Math.sqrt(s.shape()[1]) * x);
                else v[i] = (float) (0.1 * x);
            }
            m.weights.put(n, v);
        });
        return m;
    }
}
