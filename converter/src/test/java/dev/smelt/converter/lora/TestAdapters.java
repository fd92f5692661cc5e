package dev.smelt.converter.lora;

import dev.smelt.core.safetensors.SafetensorsWriter;
import dev.smelt.core.safetensors.TensorSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** PEFT adapter directories for converter tests, written without the trainer (which the converter must not see). */
final class TestAdapters {
    private TestAdapters() {}

    /** A module's factors, row-major: a is [rank, in], b is [out, rank]. */
    record Module(String name, int rank, int in, int out, float[] a, float[] b) {}

    static Module random(String name, int rank, int in, int out, long seed) {
        Random rnd = new Random(seed);
        float[] a = new float[rank * in];
        float[] b = new float[out * rank];
        for (int i = 0; i < a.length; i++) a[i] = (float) rnd.nextGaussian();
        for (int i = 0; i < b.length; i++) b[i] = (float) rnd.nextGaussian();
        return new Module(name, rank, in, out, a, b);
    }

    static Path write(Path dir, String configJson, Module... modules) throws IOException {
        Files.createDirectories(dir);
        List<TensorSource> tensors = new ArrayList<>();
        for (Module m : modules) {
            tensors.add(TensorSource.ofFloats("base_model.model." + m.name() + ".lora_A.weight", new long[] {m.rank(), m.in()}, m.a()));
            tensors.add(TensorSource.ofFloats("base_model.model." + m.name() + ".lora_B.weight", new long[] {m.out(), m.rank()}, m.b()));
        }
        SafetensorsWriter.write(dir.resolve(PeftAdapter.WEIGHTS), Map.of("format", "pt"), tensors);
        Files.writeString(dir.resolve(PeftConfig.FILE), configJson);
        return dir;
    }
}
