package dev.smelt.models;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import dev.smelt.core.model.Architecture;
import dev.smelt.core.model.ModelDirectory;
import dev.smelt.core.tiny.TinyModelSpec;
import dev.smelt.core.tiny.TinyModelWriter;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What a decoding step leaves behind. Each step runs in a manager closed after it, as the generator does; the
 * arrays still alive afterwards (weights, cache) must not grow with the number of tokens beyond the cache's own
 * preallocated buffers, and those must hold at most twice the context decoded so far.
 */
class DecodingMemoryTest {
    @TempDir Path tmp;

    @ParameterizedTest
    @EnumSource(value = Architecture.class, names = {"QWEN3", "QWEN3_5"})
    void stepsKeepNoPerTokenArrays(Architecture arch) throws Exception {
        Path dir = tmp.resolve(arch.name());
        TinyModelWriter.write(TinyModelSpec.builder(arch).seed(3).build(), dir);
        try (CausalLM model = ModelLoader.load(ModelDirectory.open(dir), Device.cpu(), DataType.FLOAT32);
                NDManager session = model.manager().newSubManager();
                DecoderCache cache = model.newCache(session, 1)) {
            ParameterStore ps = new ParameterStore(session, false);
            step(model, ps, session, cache, new long[] {5, 6, 7, 8});
            for (int i = 0; i < 60; i++) step(model, ps, session, cache, new long[] {9});
            int arraysAfter64 = live(model);
            long bytesAfter64 = liveBytes(model);
            for (int i = 0; i < 300; i++) step(model, ps, session, cache, new long[] {9});
            assertThat(live(model)).as("arrays alive after 364 tokens vs 64").isEqualTo(arraysAfter64);
            // the KV buffers double once or twice (64 → 128 → 256 → 512 positions); nothing else may grow
            long growth = liveBytes(model) - bytesAfter64;
            assertThat(growth).as("bytes kept per decoded token").isLessThanOrEqualTo(kvBytesPerToken(model) * 2 * 512);
            assertThat(cache.length()).isEqualTo(364);
        }
    }

    @ParameterizedTest
    @EnumSource(value = Architecture.class, names = {"QWEN3"})
    void theBenchmarkReportsTheCacheAsWhatADecodeHolds(Architecture arch) throws Exception {
        Path dir = tmp.resolve(arch.name());
        TinyModelWriter.write(TinyModelSpec.builder(arch).seed(3).build(), dir);
        try (CausalLM model = ModelLoader.load(ModelDirectory.open(dir), Device.cpu(), DataType.FLOAT32)) {
            // a first run makes the constants the layers build once (scales, eps) on first use
            dev.smelt.models.generate.SpeedBenchmark.memory(model, new long[] {5, 6, 7}, 1);
            var m = dev.smelt.models.generate.SpeedBenchmark.memory(model, new long[] {5, 6, 7}, 100);
            assertThat(m.tokens()).isEqualTo(103);
            // 103 positions fit the buffers' second size (128): keys and values of every layer, nothing else
            assertThat(m.heldBytes()).isEqualTo(128 * kvBytes(model));
            assertThat(m.peakRssBytes()).isPositive();
        }
    }

    private static long kvBytes(CausalLM model) {
        var c = (dev.smelt.core.model.DenseConfig) model.config();
        return 2L * c.numLayers() * c.numKvHeads() * c.headDim() * 4;
    }

    private static void step(CausalLM model, ParameterStore ps, NDManager session, DecoderCache cache, long[] ids) {
        try (NDManager step = session.newSubManager()) {
            NDArray logits = model.step(ps, step.create(ids).reshape(1, ids.length), cache, true);
            logits.toFloatArray();
        }
    }

    private static int live(CausalLM model) {
        return arrays(model).size();
    }

    private static long liveBytes(CausalLM model) {
        long sum = 0;
        for (NDArray a : arrays(model)) sum += a.size() * a.getDataType().getNumOfBytes();
        return sum;
    }

    private static List<NDArray> arrays(CausalLM model) {
        return ((ai.djl.ndarray.BaseNDManager) model.manager()).getManagedArrays();
    }

    private static long kvBytesPerToken(CausalLM model) {
        // keys + values of every layer, bounded by 4 × hidden floats each (kv heads × head dim is at most that here)
        var c = model.config();
        return 2L * c.numLayers() * 4L * c.hiddenSize() * 4;
    }
}
