package dev.smelt.models.qwen35;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import dev.smelt.core.SmeltException;
import dev.smelt.core.model.ModelDirectory;
import dev.smelt.core.model.Qwen35Config;
import dev.smelt.core.model.Qwen35VisionTower;
import dev.smelt.core.safetensors.SafetensorsWriter;
import dev.smelt.core.safetensors.TensorSource;
import dev.smelt.models.CausalLM;
import dev.smelt.models.DecoderCache;
import dev.smelt.models.ModelLoader;
import dev.smelt.models.nn.RotaryEmbedding;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class Qwen35ModelTest {
    static NDManager manager;
    @TempDir static Path tmp;
    static final int[] TOKENS = {3, 17, 42, 5, 5, 60, 1, 33, 8, 19, 27, 50, 2};

    @BeforeAll
    static void start() {
        manager = NDManager.newBaseManager(Device.cpu());
    }

    @AfterAll
    static void stop() {
        manager.close();
    }

    private static NDArray ids(int... tokens) {
        return manager.create(tokens, new Shape(1, tokens.length)).toType(DataType.INT64, false);
    }

    private static float maxDiff(NDArray a, NDArray b) {
        return a.sub(b).abs().max().getFloat();
    }

    /** Tied / untied, nested (model.language_model.*) / flat (model.*), more V heads than K heads or equal. */
    @ParameterizedTest
    @CsvSource({"true, true, 2, 4", "false, true, 2, 4", "true, false, 2, 2", "false, false, 1, 4"})
    void matchesTheIndependentReferenceAndDecodesIncrementally(boolean tied, boolean nested, int kh, int vh)
            throws Exception {
        Qwen35Config c = TinyQwen35.config(tied, nested, kh, vh);
        Path dir = tmp.resolve("m-" + tied + nested + kh + vh);
        TinyQwen35 tiny = TinyQwen35.write(dir, c, 1000L * kh + vh + (tied ? 1 : 0));
        try (CausalLM lm = ModelLoader.load(ModelDirectory.open(dir), Device.cpu(), DataType.FLOAT32)) {
            assertThat(lm).isInstanceOf(Qwen35Model.class);
            Qwen35Model model = (Qwen35Model) lm;
            model.useDeltaRule(false, 4); // several chunks, the last one ragged
            ParameterStore ps = new ParameterStore(manager, false);
            NDArray full = model.logits(ps, ids(TOKENS), null, null, false);

            double[][] ref = new Qwen35Reference(c, tiny.weights).logits(TOKENS);
            float[] got = full.toFloatArray();
            double worst = 0, scale = 0;
            for (int t = 0; t < TOKENS.length; t++) {
                for (int v = 0; v < c.vocabSize(); v++) {
                    worst = Math.max(worst, Math.abs(ref[t][v] - got[t * c.vocabSize() + v]));
                    scale = Math.max(scale, Math.abs(ref[t][v]));
                }
            }
            assertThat(scale).isGreaterThan(1.0);
            // float32 against double: ~1e-6 relative here. (Random weights can put a key's conv output near zero,
            // where the L2 normalisation amplifies float32 rounding ~1000x; the seeds avoid such tokens.)
            assertThat(worst / scale).as("DJL vs plain-Java reference, max |logit| %.2f", scale).isLessThan(5e-5);

            // Prefill 5 tokens, then a 3-token step, then single tokens: every step equals the full pass.
            try (DecoderCache cache = model.newCache(manager, 1)) {
                NDList parts = new NDList();
                parts.add(model.step(ps, ids(Arrays.copyOfRange(TOKENS, 0, 5)), cache, false));
                parts.add(model.step(ps, ids(Arrays.copyOfRange(TOKENS, 5, 8)), cache, false));
                for (int t = 8; t < TOKENS.length; t++) parts.add(model.step(ps, ids(TOKENS[t]), cache, false));
                assertThat(cache.length()).isEqualTo(TOKENS.length);
                assertThat(maxDiff(NDArrays.concat(parts, 1), full)).as("incremental vs full").isLessThan(1e-4f);
            }
            // lastOnly returns the final row.
            try (DecoderCache cache = model.newCache(manager, 1)) {
                NDArray last = model.step(ps, ids(TOKENS), cache, true);
                assertThat(last.getShape()).isEqualTo(new Shape(1, 1, c.vocabSize()));
                assertThat(maxDiff(last, full.get(new NDIndex(":, -1:")))).isLessThan(1e-4f);
            }
            // The naive recurrence gives the same logits as the chunked form.
            model.useDeltaRule(true, 64);
            assertThat(maxDiff(model.logits(ps, ids(TOKENS), null, null, false), full)).isLessThan(1e-4f);

            int visionAndMtp = c.mtpTensorSpecs().size()
                    + (nested ? Qwen35VisionTower.fromJson("x", c.visionConfig()).tensorSpecs().size() : 0);
            assertThat(model.skippedTensors()).isEqualTo(visionAndMtp);
            assertThat(model.skippedNote()).hasValueSatisfying(n -> assertThat(n).contains(c.mtpTensorSpecs().size() + " MTP"));
            String p = c.weightPrefix();
            assertThat(model.linearModules()).containsKeys(p + "layers.0.linear_attn.in_proj_qkv",
                    p + "layers.0.linear_attn.in_proj_z", p + "layers.0.linear_attn.in_proj_b",
                    p + "layers.0.linear_attn.in_proj_a", p + "layers.0.linear_attn.out_proj",
                    p + "layers.3.self_attn.q_proj", p + "layers.3.self_attn.o_proj", p + "layers.2.mlp.down_proj");
            assertThat(model.linearModules().containsKey("lm_head")).isEqualTo(!tied);
            assertThat(model.linearModules()).hasSize(3 * 5 + 4 + 4 * 3 + (tied ? 0 : 1));
        }
    }

    @Test
    void packedSequencesGiveTheSameLogitsAsSeparateRuns() throws Exception {
        Qwen35Config c = TinyQwen35.config(true, true, 2, 4);
        Path dir = tmp.resolve("packed");
        TinyQwen35.write(dir, c, 5);
        try (Qwen35Model model = (Qwen35Model) ModelLoader.load(ModelDirectory.open(dir), Device.cpu(), DataType.FLOAT32)) {
            model.useDeltaRule(false, 4);
            ParameterStore ps = new ParameterStore(manager, false);
            int[] a = {3, 17, 42, 5, 5, 60}, b = {1, 33, 8, 19, 27};
            int[] packed = new int[a.length + b.length + 2];
            System.arraycopy(a, 0, packed, 0, a.length);
            System.arraycopy(b, 0, packed, a.length, b.length);
            long[] seg = new long[packed.length];
            for (int i = 0; i < seg.length; i++) seg[i] = i < a.length ? 0 : i < a.length + b.length ? 1 : -1;
            NDArray out = model.logits(ps, ids(packed), null, manager.create(seg, new Shape(1, seg.length)), false);
            NDArray alone = model.logits(ps, ids(b), null, null, false);
            assertThat(maxDiff(out.get(new NDIndex(":, {}:{}", a.length, a.length + b.length)), alone)).isLessThan(1e-4f);
            assertThat(maxDiff(out.get(new NDIndex(":, :{}", a.length)), model.logits(ps, ids(a), null, null, false)))
                    .isLessThan(1e-4f);
        }
    }

    /**
     * fp16 loading as the models README's fp16 policy has it: matrices float16; norm weights, the conv kernel, A_log,
     * dt_bias and the in_proj_a / in_proj_b gate projections (they feed the decay and β) float32.
     */
    @Test
    void float16KeepsGatesConvAndNormsInFloat32() throws Exception {
        Path dir = tmp.resolve("fp16-policy");
        TinyQwen35.write(dir, TinyQwen35.config(false, false, 2, 4), 2000);
        try (CausalLM f16 = ModelLoader.load(ModelDirectory.open(dir), Device.cpu(), DataType.FLOAT16)) {
            int gates = 0;
            for (var e : f16.getParameters()) {
                NDArray a = e.getValue().getArray();
                String name = e.getKey();
                boolean gate = name.contains("in_proj_a") || name.contains("in_proj_b");
                if (gate) gates++;
                boolean float32 = gate || name.contains("conv1d") || a.getShape().dimension() == 1;
                assertThat(a.getDataType()).as(name).isEqualTo(float32 ? DataType.FLOAT32 : DataType.FLOAT16);
            }
            assertThat(gates).isEqualTo(2 * 3); // three linear-attention layers
        }
    }

    /** float16 weights and activations (the GPU default): the recurrence still runs in float32. */
    @Test
    void float16ModelTracksFloat32() throws Exception {
        Qwen35Config c = TinyQwen35.config(true, true, 2, 4);
        Path dir = tmp.resolve("fp16");
        TinyQwen35.write(dir, c, 2000);
        try (CausalLM f32 = ModelLoader.load(ModelDirectory.open(dir), Device.cpu(), DataType.FLOAT32);
                CausalLM f16 = ModelLoader.load(ModelDirectory.open(dir), Device.cpu(), DataType.FLOAT16)) {
            ParameterStore ps = new ParameterStore(manager, false);
            NDArray ref = f32.logits(ps, ids(TOKENS), null, null, false);
            NDArray half = f16.logits(ps, ids(TOKENS), null, null, false);
            assertThat(half.getDataType()).isEqualTo(DataType.FLOAT16);
            float scale = ref.abs().max().getFloat();
            assertThat(maxDiff(half.toType(DataType.FLOAT32, false), ref) / scale).isLessThan(5e-2f);
            try (DecoderCache cache = f16.newCache(manager, 1)) {
                f16.step(ps, ids(Arrays.copyOf(TOKENS, 6)), cache, false);
                NDArray next = f16.step(ps, ids(TOKENS[6]), cache, false).toType(DataType.FLOAT32, false);
                assertThat(maxDiff(next, ref.get(new NDIndex(":, 6:7"))) / scale).isLessThan(5e-2f);
            }
        }
    }

    /** Training differentiates through both delta-rule forms alike (into projections and the frozen conv). */
    @Test
    void chunkedAndNaiveFormsGiveTheSameWeightGradients() throws Exception {
        Qwen35Config c = TinyQwen35.config(false, true, 2, 4);
        Path dir = tmp.resolve("grad");
        TinyQwen35.write(dir, c, 21);
        try (Qwen35Model model = (Qwen35Model) ModelLoader.load(ModelDirectory.open(dir), Device.cpu(), DataType.FLOAT32)) {
            String p = c.weightPrefix() + "layers.1.linear_attn.";
            NDArray qkv = model.linearModules().get(p + "in_proj_qkv").weight().getArray();
            NDArray a = model.linearModules().get(p + "in_proj_a").weight().getArray();
            NDArray[] chunked = grads(model, false, qkv, a);
            NDArray[] naive = grads(model, true, qkv, a);
            for (int i = 0; i < chunked.length; i++) {
                assertThat(naive[i].abs().max().getFloat()).isGreaterThan(0f);
                assertThat(maxDiff(chunked[i], naive[i]) / naive[i].abs().max().getFloat()).as("grad %d", i).isLessThan(1e-4f);
            }
        }
    }

    private static NDArray[] grads(Qwen35Model model, boolean naive, NDArray... weights) {
        model.useDeltaRule(naive, 4);
        for (NDArray w : weights) w.setRequiresGradient(true);
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray logits = model.logits(new ParameterStore(manager, false), ids(TOKENS), null, null, true);
            gc.backward(logits.logSoftmax(2).get(new NDIndex(":, :, 7")).sum().neg());
        }
        NDArray[] out = new NDArray[weights.length];
        for (int i = 0; i < weights.length; i++) {
            NDArray g = weights[i].getGradient();
            out[i] = g.duplicate();
            g.muli(0f); // gradients accumulate across collectors
            weights[i].setRequiresGradient(false);
        }
        return out;
    }

    @Test
    void unknownTensorsAreRefusedWithTheirName() throws Exception {
        Qwen35Config c = TinyQwen35.config(true, true, 2, 4);
        Path dir = tmp.resolve("extra");
        TinyQwen35 tiny = TinyQwen35.write(dir, c, 9);
        List<TensorSource> tensors = new ArrayList<>();
        tiny.weights.forEach((n, v) -> tensors.add(TensorSource.ofFloats(n, shapeOf(c, n, v), v)));
        tensors.add(TensorSource.ofFloats("model.language_model.layers.0.linear_attn.in_proj_qkvz.weight",
                new long[] {2, 2}, new float[4]));
        SafetensorsWriter.write(dir.resolve("model.safetensors"), Map.of("format", "pt"), tensors);
        assertThatThrownBy(() -> ModelLoader.load(ModelDirectory.open(dir), Device.cpu(), DataType.FLOAT32))
                .isInstanceOf(SmeltException.class)
                .hasMessageContaining("\"model.language_model.layers.0.linear_attn.in_proj_qkvz.weight\" is not part of");
    }

    private static long[] shapeOf(Qwen35Config c, String name, float[] v) {
        return Stream.of(c.tensorSpecs(), c.mtpTensorSpecs(),
                        Qwen35VisionTower.fromJson("x", c.visionConfig()).tensorSpecs())
                .flatMap(List::stream).filter(s -> s.name().equals(name)).findFirst().orElseThrow().shape();
    }

    @Test
    void interleavedMropeSectionsAndTextPositions() {
        MRope m = new MRope(64, 1e7, List.of(11, 11, 10));
        int[] s = m.streams();
        assertThat(s).hasSize(32);
        assertThat(new int[] {s[0], s[1], s[2], s[3], s[4], s[29], s[30], s[31]}).containsExactly(0, 1, 2, 0, 1, 2, 0, 1);
        NDArray pos = manager.arange(0, 9, 1, DataType.INT64).reshape(1, 9);
        NDList text = m.tables(pos, DataType.FLOAT32);
        NDList three = m.tables(NDArrays.stack(new NDList(pos, pos, pos)), DataType.FLOAT32);
        assertThat(maxDiff(text.get(0), three.get(0))).isZero();
        assertThat(maxDiff(text.get(1), three.get(1))).isZero();
        // Distinct streams: frequency 1 follows the height stream.
        NDList mixed = m.tables(NDArrays.stack(new NDList(pos, pos.mul(2), pos.mul(3))), DataType.FLOAT32);
        NDArray heightOnly = m.tables(pos.mul(2), DataType.FLOAT32).get(0);
        assertThat(maxDiff(mixed.get(0).get(new NDIndex("..., 1")), heightOnly.get(new NDIndex("..., 1")))).isZero();
        assertThatThrownBy(() -> new MRope(64, 1e7, List.of(11, 11))).isInstanceOf(SmeltException.class)
                .hasMessageContaining("must hold 3 sizes");
    }

    /**
     * transformers' default {@code mrope_section} [11, 11, 10] on a head with only 4 rotary frequencies: transformers
     * slices the sections to the frequencies that exist; Smelt does the same. Streams follow the interleaved pattern
     * within the 4 frequencies, and text positions give exactly plain RoPE.
     */
    @Test
    void sectionsLargerThanTheRotaryDimensionUseTheFrequenciesThatExist() {
        MRope m = new MRope(8, 1e7, List.of(11, 11, 10));
        assertThat(m.streams()).containsExactly(0, 1, 2, 0);
        // a section shorter than the axis still stops its stream early, as transformers' [offset : 3*s : 3]
        assertThat(new MRope(16, 1e7, List.of(6, 1, 1)).streams()).containsExactly(0, 1, 2, 0, 0, 0, 0, 0);
        NDArray pos = manager.arange(0, 11, 1, DataType.INT64).reshape(1, 11);
        RotaryEmbedding plain = new RotaryEmbedding(32, 8, 1e7, null, 256);
        NDList expected = plain.tables(pos, DataType.FLOAT32);
        NDList got = m.tables(NDArrays.stack(new NDList(pos, pos, pos)), DataType.FLOAT32);
        assertThat(maxDiff(got.get(0), expected.get(0))).isLessThan(1e-6f);
        assertThat(maxDiff(got.get(1), expected.get(1))).isLessThan(1e-6f);
    }

    /** A config.json as transformers writes Qwen3_5Config(text_config=…small…) with its default rope_parameters. */
    private static final String TRANSFORMERS_QWEN3_5_CONFIG = """
            {
              "architectures": ["Qwen3_5ForConditionalGeneration"],
              "dtype": "float32",
              "image_token_id": 248056,
              "model_type": "qwen3_5",
              "text_config": {
                "attention_bias": false,
                "attention_dropout": 0.0,
                "bos_token_id": null,
                "dtype": "float32",
                "eos_token_id": null,
                "head_dim": 32,
                "hidden_act": "silu",
                "hidden_size": 32,
                "initializer_range": 0.02,
                "intermediate_size": 48,
                "layer_types": ["linear_attention", "linear_attention", "linear_attention", "full_attention"],
                "linear_conv_kernel_dim": 4,
                "linear_key_head_dim": 8,
                "linear_num_key_heads": 2,
                "linear_num_value_heads": 4,
                "linear_value_head_dim": 8,
                "max_position_embeddings": 256,
                "model_type": "qwen3_5_text",
                "num_attention_heads": 4,
                "num_hidden_layers": 4,
                "num_key_value_heads": 2,
                "pad_token_id": null,
                "rms_norm_eps": 1e-06,
                "rope_parameters": {
                  "mrope_interleaved": true,
                  "mrope_section": [11, 11, 10],
                  "partial_rotary_factor": 0.25,
                  "rope_theta": 10000000,
                  "rope_type": "default"
                },
                "tie_word_embeddings": false,
                "use_cache": true,
                "vocab_size": 61
              },
              "tie_word_embeddings": false,
              "transformers_version": "5.0.0",
              "video_token_id": 248057,
              "vision_config": {
                "deepstack_visual_indexes": [],
                "depth": 1,
                "hidden_act": "gelu_pytorch_tanh",
                "hidden_size": 8,
                "in_channels": 3,
                "initializer_range": 0.02,
                "intermediate_size": 16,
                "model_type": "qwen3_5_vision",
                "num_heads": 2,
                "num_position_embeddings": 4,
                "out_hidden_size": 32,
                "patch_size": 2,
                "spatial_merge_size": 2,
                "temporal_patch_size": 2
              },
              "vision_end_token_id": 248054,
              "vision_start_token_id": 248053
            }
            """;

    @Test
    void aCheckpointWithTransformersDefaultMropeSectionsRunsAsPlainRotary() throws Exception {
        Path dir = tmp.resolve("transformers-defaults");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("config.json"), TRANSFORMERS_QWEN3_5_CONFIG);
        Qwen35Config c = (Qwen35Config) ModelDirectory.open(dir).config();
        assertThat(c.mropeSection()).containsExactly(11, 11, 10);
        assertThat(c.rotaryDim()).isEqualTo(8);
        TinyQwen35 tiny = TinyQwen35.write(dir, c, 77);
        Files.writeString(dir.resolve("config.json"), TRANSFORMERS_QWEN3_5_CONFIG); // as transformers wrote it
        try (CausalLM lm = ModelLoader.load(ModelDirectory.open(dir), Device.cpu(), DataType.FLOAT32)) {
            NDArray got = ((Qwen35Model) lm).logits(new ParameterStore(manager, false), ids(TOKENS), null, null, false);
            double[][] ref = new Qwen35Reference(c, tiny.weights).logits(TOKENS);
            float[] g = got.toFloatArray();
            double worst = 0, scale = 0;
            for (int t = 0; t < TOKENS.length; t++) {
                for (int v = 0; v < c.vocabSize(); v++) {
                    worst = Math.max(worst, Math.abs(ref[t][v] - g[t * c.vocabSize() + v]));
                    scale = Math.max(scale, Math.abs(ref[t][v]));
                }
            }
            // fp32 against a double forward: 5.5e-5 measured with the fused gate/up projection (one GEMM of twice the
            // width accumulates in another order than two), under 5e-5 without; the bound is the other tests' 1e-4
            assertThat(worst / scale).as("vs the plain-RoPE reference").isLessThan(1e-4);
        }
    }
}
