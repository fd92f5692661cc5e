package dev.smelt.models;

import dev.smelt.core.io.AtomicFiles;
import dev.smelt.core.model.Architecture;
import dev.smelt.core.model.DenseConfig;
import dev.smelt.core.model.RopeScaling;
import dev.smelt.core.model.TensorSpec;
import dev.smelt.core.safetensors.SafetensorsWriter;
import dev.smelt.core.safetensors.TensorSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Writes small random dense model directories for tests (norm weights near 1, projections ~N(0, 0.5/√in)). */
public final class TestModels {
    private TestModels() {}

    public static DenseConfig config(Architecture arch, boolean tie, RopeScaling scaling) {
        return new DenseConfig(arch, 97, 32, 48, 2, 4, 2, arch == Architecture.QWEN3 ? 16 : 8, 1e-6,
                arch == Architecture.LLAMA ? 10000 : 1000000, scaling, 128, tie,
                arch == Architecture.QWEN2, false, false, 1, List.of(2));
    }

    public static Path write(Path dir, DenseConfig c, long seed) throws IOException {
        Files.createDirectories(dir);
        AtomicFiles.writeString(dir.resolve("config.json"), c.toJson().toPrettyString());
        Random r = new Random(seed);
        List<TensorSource> tensors = new ArrayList<>();
        for (TensorSpec s : c.tensorSpecs()) {
            float[] v = new float[(int) s.numElements()];
            boolean norm = s.name().endsWith("norm.weight");
            double std = s.shape().length == 2 ? 1.5 / Math.sqrt(s.shape()[1]) : 0.1;
            for (int i = 0; i < v.length; i++) v[i] = (float) (norm ? 1 + 0.1 * r.nextGaussian() : std * r.nextGaussian());
            tensors.add(TensorSource.ofFloats(s.name(), s.shape(), v));
        }
        SafetensorsWriter.write(dir.resolve("model.safetensors"), Map.of("format", "pt"), tensors);
        return dir;
    }
}
