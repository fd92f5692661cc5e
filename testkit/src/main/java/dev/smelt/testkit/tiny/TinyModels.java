package dev.smelt.testkit.tiny;

import dev.smelt.core.model.TensorSpec;
import dev.smelt.core.safetensors.DType;
import dev.smelt.core.safetensors.Floats;
import dev.smelt.core.safetensors.SafetensorsWriter;
import dev.smelt.core.safetensors.TensorSource;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The tiny-model fixture tests share, on top of {@code core.tiny}. A complete create-tiny model (config, weights,
 * trained byte-level tokenizer, chat template) is {@code TinyModelWriter.write(TinyModelSpec.builder(arch)…build(), dir)};
 * this class is for tests that need a model shaped their own way: they keep their config and their initialisation
 * (the values a reference implementation or a training test depends on) and write the weights here, with a
 * {@link ByteLevelTokenizer} when they need text.
 */
public final class TinyModels {
    private TinyModels() {}

    /** The caller's initialisation: fills the values of one tensor, in the order the specs are given. */
    @FunctionalInterface
    public interface Init {
        void fill(TensorSpec spec, float[] values);
    }

    /**
     * Writes {@code dir/model.safetensors} ({@code format: pt}) with one tensor per spec, filled by {@code init} in
     * spec order and stored as {@code dtype} (F32, F16 or BF16).
     */
    public static Path writeWeights(Path dir, List<TensorSpec> specs, DType dtype, Init init) throws IOException {
        Files.createDirectories(dir);
        List<TensorSource> sources = new ArrayList<>(specs.size());
        for (TensorSpec s : specs) {
            float[] v = new float[Math.toIntExact(s.numElements())];
            init.fill(s, v);
            sources.add(TensorSource.of(s.name(), dtype, s.shape(), encode(v, dtype)));
        }
        SafetensorsWriter.write(dir.resolve("model.safetensors"), Map.of("format", "pt"), sources);
        return dir;
    }

    static ByteBuffer encode(float[] v, DType dtype) {
        ByteBuffer b = ByteBuffer.allocate(v.length * dtype.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) {
            switch (dtype) {
                case F32 -> b.putFloat(x);
                case F16 -> b.putShort(Floats.floatToHalf(x));
                case BF16 -> b.putShort(Floats.floatToBf16(x));
                default -> throw new IllegalArgumentException("tiny weights are F32, F16 or BF16, not " + dtype);
            }
        }
        return b.flip();
    }
}
