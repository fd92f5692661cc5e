package dev.smelt.models.dense;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.smelt.core.SmeltException;
import dev.smelt.core.model.Architecture;
import dev.smelt.core.model.DenseConfig;
import dev.smelt.core.model.ModelDirectory;
import dev.smelt.core.model.RopeScaling;
import dev.smelt.core.safetensors.DType;
import dev.smelt.core.safetensors.SafetensorsModel;
import dev.smelt.core.tiny.TinyModelSpec;
import dev.smelt.core.tiny.TinyModelWriter;
import dev.smelt.models.CausalLM;
import dev.smelt.models.DecoderCache;
import dev.smelt.models.ModelLoader;
import dev.smelt.models.TestModels;
import dev.smelt.models.nn.Linear;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class DenseDecoderTest {
    static NDManager manager;
    @TempDir static Path tmp;

    @BeforeAll
    static void start() {
        manager = NDManager.newBaseManager(Device.cpu());
    }

    @AfterAll
    static void stop() {
        manager.close();
    }

    static Stream<Arguments> variants() {
        return Stream.of(
                Arguments.of(Architecture.LLAMA, false, null),
                Arguments.of(Architecture.LLAMA, true, new RopeScaling("llama3", 8, 1.0, 4.0, 64, null, null, null)),
                Arguments.of(Architecture.QWEN2, true, null),
                Arguments.of(Architecture.QWEN3, false, new RopeScaling("yarn", 4, null, null, 32, null, null, null)),
                Arguments.of(Architecture.QWEN3, true, new RopeScaling("linear", 2, null, null, null, null, null, null)));
    }

    static CausalLM load(String name, DenseConfig c) throws Exception {
        Path dir = TestModels.write(tmp.resolve(name), c, name.hashCode());
        return ModelLoader.load(ModelDirectory.open(dir), Device.cpu(), DataType.FLOAT32);
    }

    @ParameterizedTest
    @MethodSource("variants")
    void incrementalDecodingMatchesFullForward(Architecture arch, boolean tie, RopeScaling scaling) throws Exception {
        DenseConfig c = TestModels.config(arch, tie, scaling);
        try (CausalLM model = load(arch + "-" + tie + "-" + (scaling == null ? "none" : scaling.type()), c);
                NDManager m = manager.newSubManager()) {
            long[] ids = {1, 5, 9, 17, 33, 65, 80, 3, 44, 12};
            ParameterStore ps = new ParameterStore(m, false);
            float[] full = model.logits(ps, m.create(ids).reshape(1, ids.length), null, null, false).toFloatArray();
            int v = c.vocabSize();
            // prefill 4 tokens, then 3, then one at a time
            try (DecoderCache cache = model.newCache(m, 1)) {
                int pos = 0;
                for (int chunk : new int[] {4, 3, 1, 1, 1}) {
                    long[] part = Arrays.copyOfRange(ids, pos, pos + chunk);
                    float[] got = model.step(ps, m.create(part).reshape(1, chunk), cache, false).toFloatArray();
                    for (int i = 0; i < chunk * v; i++) {
                        assertThat((double) got[i]).isCloseTo(full[pos * v + i], Offset.offset(1e-4));
                    }
                    pos += chunk;
                }
                assertThat(cache.length()).isEqualTo(ids.length);
            }
            // logits are not flat: the random weights must give a real preference
            float max = Float.NEGATIVE_INFINITY, min = Float.POSITIVE_INFINITY;
            for (int i = 0; i < v; i++) {
                max = Math.max(max, full[i]);
                min = Math.min(min, full[i]);
            }
            assertThat(max - min).isGreaterThan(1f);
        }
    }

    /**
     * One-token steps take the decoding path (fused views, in-place ops, products spread over threads); it must give
     * the general path's logits bit for bit, every step, while leaving fewer arrays (ops) behind per step.
     */
    @ParameterizedTest
    @MethodSource("variants")
    void decodingStepsEqualTheGeneralPathExactly(Architecture arch, boolean tie, RopeScaling scaling) throws Exception {
        DenseConfig c = TestModels.config(arch, tie, scaling);
        try (CausalLM lm = load("decode-" + arch + "-" + tie + "-" + (scaling == null ? "none" : scaling.type()), c)) {
            assertDecodingEqualsGeneral((DenseDecoder) lm, true);
        }
    }

    @Test
    void decodingPathFallsBackWithAnAdapterAndKeepsFp16Exact() throws Exception {
        DenseConfig c = TestModels.config(Architecture.QWEN3, false, null);
        Path dir = TestModels.write(tmp.resolve("decode-fp16"), c, 11);
        try (CausalLM f16 = ModelLoader.load(ModelDirectory.open(dir), Device.cpu(), DataType.FLOAT16)) {
            assertDecodingEqualsGeneral((DenseDecoder) f16, true);
        }
        try (CausalLM lm = ModelLoader.load(ModelDirectory.open(dir), Device.cpu(), DataType.FLOAT32)) {
            for (String name : List.of("model.layers.0.self_attn.v_proj", "model.layers.1.mlp.up_proj", "model.layers.0.self_attn.o_proj")) {
                Linear lin = lm.linearModules().get(name);
                lin.attachAdapter(new HalfMean(lin.outFeatures()));
                lin.initialize(lm.manager(), DataType.FLOAT32, new Shape(1, lin.inFeatures()));
            }
            assertDecodingEqualsGeneral((DenseDecoder) lm, false);
        }
    }

    /** An adapter whose delta is half the input's mean in every output (a fixed function, to see it in the logits). */
    static final class HalfMean extends AbstractBlock {
        private final long out;

        HalfMean(long out) {
            this.out = out;
        }

        @Override
        protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
            NDArray x = inputs.singletonOrThrow();
            NDArray half = x.mean(new int[] {-1}, true).div(2f);
            return new NDList(half.mul(x.getManager().ones(new Shape(out), x.getDataType(), x.getDevice())));
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            Shape s = inputShapes[0];
            return new Shape[] {s.slice(0, s.dimension() - 1).add(out)};
        }
    }

    /** Prefill, then 8 greedy one-token steps on each path (own caches): the logits are equal every step. */
    private static void assertDecodingEqualsGeneral(DenseDecoder model, boolean decodingPath) {
        try (NDManager m = manager.newSubManager();
                DecoderCache fast = model.newCache(m, 1);
                DecoderCache general = model.newCache(m, 1)) {
            ParameterStore ps = new ParameterStore(m, false);
            long[] prompt = {1, 5, 9, 17, 33};
            model.step(ps, m.create(prompt).reshape(1, prompt.length), fast, true);
            model.step(ps, m.create(prompt).reshape(1, prompt.length), general, true, false);
            long next = 7;
            for (int i = 0; i < 8; i++) {
                float[] a;
                float[] b;
                int arraysA;
                int arraysB;
                try (NDManager step = m.newSubManager()) {
                    NDArray logits = model.step(ps, step.create(new long[] {next}).reshape(1, 1), fast, true);
                    arraysA = ((BaseNDManager) step).getManagedArrays().size();
                    a = logits.toType(DataType.FLOAT32, false).toFloatArray();
                }
                try (NDManager step = m.newSubManager()) {
                    NDArray logits = model.step(ps, step.create(new long[] {next}).reshape(1, 1), general, true, false);
                    arraysB = ((BaseNDManager) step).getManagedArrays().size();
                    b = logits.toType(DataType.FLOAT32, false).toFloatArray();
                }
                assertThat(a).as("step %d", i).containsExactly(b);
                // the decoding path leaves fewer arrays in the step's manager (it makes fewer): the sign it ran
                if (decodingPath) assertThat(arraysA).as("arrays left by step %d", i).isLessThan(arraysB);
                int best = 0;
                for (int j = 1; j < a.length; j++) if (a[j] > a[best]) best = j;
                next = best;
            }
            assertThat(fast.length()).isEqualTo(general.length()).isEqualTo(prompt.length + 8);
        }
    }

    @Test
    void packedSegmentsMatchSeparateSequences() throws Exception {
        DenseConfig c = TestModels.config(Architecture.QWEN3, false, null);
        try (CausalLM model = load("packed", c); NDManager m = manager.newSubManager()) {
            ParameterStore ps = new ParameterStore(m, false);
            long[] a = {4, 8, 15, 16};
            long[] b = {23, 42, 7};
            long[] packed = {4, 8, 15, 16, 23, 42, 7, 0};
            long[] seg = {0, 0, 0, 0, 1, 1, 1, -1};
            float[] got = model.logits(ps, m.create(packed).reshape(1, 8), null, m.create(seg).reshape(1, 8), false).toFloatArray();
            float[] la = model.logits(ps, m.create(a).reshape(1, 4), null, null, false).toFloatArray();
            float[] lb = model.logits(ps, m.create(b).reshape(1, 3), null, null, false).toFloatArray();
            int v = c.vocabSize();
            for (int i = 0; i < 4 * v; i++) assertThat(got[i]).isCloseTo(la[i], Offset.offset(1e-4f));
            for (int i = 0; i < 3 * v; i++) assertThat(got[4 * v + i]).isCloseTo(lb[i], Offset.offset(1e-4f));
            for (int i = 7 * v; i < 8 * v; i++) assertThat(Float.isFinite(got[i])).isTrue();
        }
    }

    @Test
    void blockForwardFindsInputsByNameOrPosition() throws Exception {
        DenseConfig c = TestModels.config(Architecture.LLAMA, true, null);
        try (CausalLM model = load("forward", c); NDManager m = manager.newSubManager()) {
            ParameterStore ps = new ParameterStore(m, false);
            long[] ids = {5, 6, 7, 8, 9, 10};
            long[] seg = {0, 0, 0, 1, 1, 1};
            NDArray expected = model.logits(ps, m.create(ids).reshape(1, 6), null, m.create(seg).reshape(1, 6), false);
            NDArray named = model.forward(ps, CausalLM.inputs(m.create(ids).reshape(1, 6), null, m.create(seg).reshape(1, 6)),
                    false).singletonOrThrow();
            assertThat(named.sub(expected).abs().max().getFloat()).isZero();
            long[] pos = {0, 1, 2, 0, 1, 2};
            NDArray positional = model.forward(ps, new NDList(m.create(ids).reshape(1, 6),
                    m.create(pos).reshape(1, 6), m.create(seg).reshape(1, 6)), false).singletonOrThrow();
            assertThat(positional.sub(expected).abs().max().getFloat()).isZero();
            assertThat(model.getOutputShapes(new Shape[] {new Shape(2, 6)})[0])
                    .isEqualTo(new Shape(2, 6, c.vocabSize()));
        }
    }

    @Test
    void batchedRowsAreIndependent() throws Exception {
        DenseConfig c = TestModels.config(Architecture.LLAMA, false, null);
        try (CausalLM model = load("batch", c); NDManager m = manager.newSubManager()) {
            ParameterStore ps = new ParameterStore(m, false);
            long[] rows = {1, 2, 3, 4, 9, 8, 7, 6};
            NDArray both = model.logits(ps, m.create(rows).reshape(2, 4), null, null, false);
            NDArray second = model.logits(ps, m.create(new long[] {9, 8, 7, 6}).reshape(1, 4), null, null, false);
            assertThat(both.get(1).sub(second.get(0)).abs().max().getFloat()).isLessThan(1e-4f);
        }
    }

    @Test
    void wrongTensorShapeNamesTheTensor() throws Exception {
        DenseConfig c = TestModels.config(Architecture.LLAMA, false, null);
        Path dir = TestModels.write(tmp.resolve("bad"), c, 3);
        DenseConfig wider = new DenseConfig(c.architecture(), c.vocabSize(), c.hiddenSize(), c.intermediateSize() + 8,
                c.numLayers(), c.numHeads(), c.numKvHeads(), c.headDim(), c.rmsNormEps(), c.ropeTheta(), null,
                c.maxPositionEmbeddings(), false, false, false, false, 1, List.of(2));
        Files.writeString(dir.resolve("config.json"), wider.toJson().toPrettyString());
        assertThatThrownBy(() -> ModelLoader.load(ModelDirectory.open(dir), Device.cpu(), DataType.FLOAT32))
                .isInstanceOf(SmeltException.class)
                .hasMessageContaining("model.layers.0.mlp.gate_proj.weight")
                .hasMessageContaining("[48, 32]").hasMessageContaining("[56, 32]");
    }

    @Test
    void shardedBf16CheckpointIsWidenedOnLoad() throws Exception {
        Path dir = tmp.resolve("sharded-bf16");
        TinyModelWriter.write(TinyModelSpec.builder(Architecture.QWEN2).seed(2)
                .dtype(DType.BF16).maxShardBytes(40_000).build(), dir);
        assertThat(dir.resolve("model.safetensors.index.json")).exists();
        try (CausalLM model = ModelLoader.load(ModelDirectory.open(dir), Device.cpu(), DataType.FLOAT32);
                var weights = SafetensorsModel.open(dir)) {
            String name = "model.layers.1.self_attn.k_proj";
            var lin = model.linearModules().get(name);
            assertThat(lin.weight().getArray().getDataType()).isEqualTo(DataType.FLOAT32);
            assertThat(weights.info(name + ".weight").dtype()).isEqualTo(DType.BF16);
            assertThat(lin.weight().getArray().toFloatArray()).containsExactly(weights.floats(name + ".weight"));
            assertThat(lin.bias().getArray().toFloatArray()).containsExactly(weights.floats(name + ".bias"));
        }
    }

    /**
     * fp16 loading as the models README's fp16 policy has it: matrices float16, norm weights and biases float32; a
     * biased projection adds its bias in float32 (float32 out), an unbiased one stays float16.
     */
    @Test
    void fp16KeepsNormWeightsAndBiasesInFloat32() throws Exception {
        DenseConfig c = TestModels.config(Architecture.QWEN2, false, null);
        Path dir = TestModels.write(tmp.resolve("fp16-policy"), c, 8);
        try (CausalLM f16 = ModelLoader.load(ModelDirectory.open(dir), Device.cpu(), DataType.FLOAT16);
                NDManager m = manager.newSubManager()) {
            for (var e : f16.getParameters()) {
                NDArray a = e.getValue().getArray();
                assertThat(a.getDataType()).as(e.getKey())
                        .isEqualTo(a.getShape().dimension() == 1 ? DataType.FLOAT32 : DataType.FLOAT16);
            }
            ParameterStore ps = new ParameterStore(m, false);
            var q = f16.linearModules().get("model.layers.0.self_attn.q_proj");
            var o = f16.linearModules().get("model.layers.0.self_attn.o_proj");
            assertThat(q.bias()).isNotNull();
            assertThat(o.bias()).isNull();
            assertThat(q.apply(ps, m.ones(new Shape(1, 2, c.hiddenSize()), DataType.FLOAT16), false).getDataType())
                    .isEqualTo(DataType.FLOAT32);
            assertThat(o.apply(ps, m.ones(new Shape(1, 2, o.inFeatures()), DataType.FLOAT16), false).getDataType())
                    .isEqualTo(DataType.FLOAT16);
        }
    }

    @Test
    void fp16MatchesFp32Closely() throws Exception {
        DenseConfig c = TestModels.config(Architecture.QWEN3, false, null);
        Path dir = TestModels.write(tmp.resolve("fp16"), c, 8);
        long[] ids = {3, 14, 15, 92, 65};
        try (CausalLM f32 = ModelLoader.load(ModelDirectory.open(dir), Device.cpu(), DataType.FLOAT32);
                CausalLM f16 = ModelLoader.load(ModelDirectory.open(dir), Device.cpu(), DataType.FLOAT16);
                NDManager m = manager.newSubManager()) {
            ParameterStore ps = new ParameterStore(m, false);
            NDArray a = f32.logits(ps, m.create(ids).reshape(1, 5), null, null, false);
            NDArray b = f16.logits(ps, m.create(ids).reshape(1, 5), null, null, false);
            assertThat(b.getDataType()).isEqualTo(DataType.FLOAT16);
            float scale = a.abs().max().getFloat();
            assertThat(a.sub(b.toType(DataType.FLOAT32, false)).abs().max().getFloat()).isLessThan(0.02f * scale);
            try (DecoderCache cache = f16.newCache(m, 1)) {
                NDArray step = f16.step(ps, m.create(ids).reshape(1, 5), cache, true);
                assertThat(step.getShape().get(1)).isEqualTo(1);
            }
        }
    }

    @Test
    void bf16OnCpuIsRefusedWithoutCrashing() throws Exception {
        DenseConfig c = TestModels.config(Architecture.LLAMA, false, null);
        Path dir = TestModels.write(tmp.resolve("bf16"), c, 4);
        assertThatThrownBy(() -> ModelLoader.load(ModelDirectory.open(dir), Device.cpu(), DataType.BFLOAT16))
                .isInstanceOf(SmeltException.class).hasMessageContaining("bf16");
    }

    @Test
    void linearModulesAreListedByHfPath() throws Exception {
        DenseConfig c = TestModels.config(Architecture.QWEN2, false, null);
        try (CausalLM model = load("names", c)) {
            assertThat(model.linearModules()).containsKeys("model.layers.0.self_attn.q_proj", "model.layers.1.mlp.down_proj", "lm_head");
            assertThat(model.linearModules()).hasSize(2 * 7 + 1);
            assertThat(model.linearModules().get("model.layers.0.self_attn.q_proj").bias()).isNotNull();
            assertThat(model.linearModules().get("model.layers.0.self_attn.o_proj").bias()).isNull();
        }
    }
}
