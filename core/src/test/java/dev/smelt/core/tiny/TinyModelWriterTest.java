package dev.smelt.core.tiny;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.smelt.core.SmeltException;
import dev.smelt.core.chat.ChatMessage;
import dev.smelt.core.chat.ChatTemplate;
import dev.smelt.core.model.Architecture;
import dev.smelt.core.model.DenseConfig;
import dev.smelt.core.model.LayerType;
import dev.smelt.core.model.ModelDirectory;
import dev.smelt.core.model.Qwen35Config;
import dev.smelt.core.model.Qwen35VisionTower;
import dev.smelt.core.model.VisionTokens;
import dev.smelt.core.model.TensorSpec;
import dev.smelt.core.safetensors.DType;
import dev.smelt.core.safetensors.SafetensorsModel;
import dev.smelt.core.safetensors.TensorInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class TinyModelWriterTest {
    @TempDir
    Path tmp;

    /** Parameter count from first principles (not from ModelConfig), for the defaults of each family. */
    static long expectedDenseParams(Architecture a, int v, int h, int layers, int heads, int kv, int hd, int inter, boolean tied) {
        long q = (long) heads * hd, k = (long) kv * hd;
        long perLayer = 2L * h + h * q + 2 * h * k + q * h + 3L * h * inter;
        if (a == Architecture.QWEN2) perLayer += q + 2 * k;
        if (a == Architecture.QWEN3) perLayer += 2L * hd;
        return (long) v * h + layers * perLayer + h + (tied ? 0 : (long) v * h);
    }

    @ParameterizedTest
    @EnumSource(value = Architecture.class, names = {"LLAMA", "QWEN2", "QWEN3"})
    void denseModelsLoadBackWithExactParameterCounts(Architecture arch) throws IOException {
        Path dir = tmp.resolve(arch.modelType());
        TinyModelWriter.Result r = TinyModelWriter.write(TinyModelSpec.builder(arch).seed(7).build(), dir);
        boolean tied = arch != Architecture.LLAMA;
        long expected = expectedDenseParams(arch, 1024, 64, 2, 4, 2, 16, 192, tied);
        assertThat(r.parameterCount()).isEqualTo(expected);

        ModelDirectory md = ModelDirectory.open(dir);
        DenseConfig c = (DenseConfig) md.config();
        assertThat(c.architecture()).isEqualTo(arch);
        assertThat(c.vocabSize()).isEqualTo(1024);
        assertThat(c.tieWordEmbeddings()).isEqualTo(tied);
        assertThat(c.parameterCount()).isEqualTo(expected);
        assertThat(c.bosTokenId()).isEqualTo(1024 - TinyTokenizer.ADDED_TOKENS.size());
        assertThat(md.eosTokenIds()).containsExactly(1024 - 12, 1024 - 14); // <|im_end|>, <|endoftext|>
        assertWeightsMatchSpecs(md, c.tensorSpecs(), expected);
        String rendered = ChatTemplate.fromModelDir(dir).render(List.of(ChatMessage.user("hi")), true);
        switch (arch) {
            case LLAMA -> assertThat(rendered).isEqualTo("[INST] hi [/INST]"); // Llama's format, no Qwen system prompt
            case QWEN3 -> assertThat(rendered).startsWith("<|im_start|>user\nhi");
            default -> assertThat(rendered).startsWith("<|im_start|>system\nYou are Qwen");
        }
        if (arch == Architecture.LLAMA) {
            assertThat(ChatTemplate.fromModelDir(dir).render(List.of(ChatMessage.system("Be brief."), ChatMessage.user("hi"),
                    ChatMessage.assistant("hello"), ChatMessage.user("bye")), true))
                    .isEqualTo("[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nhi [/INST] hello <|im_end|>[INST] bye [/INST]");
        }
    }

    @Test
    void qwen35UsesTheNestedMultimodalLayoutAndExactParameterCount() throws IOException {
        TinyModelSpec spec = TinyModelSpec.builder(Architecture.QWEN3_5).seed(3).linearValueHeads(4).mtpLayers(1).build();
        Path dir = tmp.resolve("q35");
        TinyModelWriter.Result r = TinyModelWriter.write(spec, dir);

        // defaults: hidden 64, 4 layers (3 linear + 1 full), heads 4 × 64 with output gate, kv 2, inter 192,
        // linear heads 2 (K) / 4 (V) × 32, tied embeddings
        int v = 1024, h = 64, inter = 192;
        long keyDim = 2 * 32, valueDim = 4 * 32, conv = 2 * keyDim + valueDim;
        long mlp = 3L * h * inter;
        long linear = 2L * h + conv * h + valueDim * h + 2 * 4 * h + conv * 4 + 2 * 4 + 32 + h * valueDim + mlp;
        long full = 2L * h + (2 * 4 * 64) * h + 2L * h * (2 * 64) + (4 * 64) * h + 2 * 64 + mlp;
        long lm = (long) v * h + 3 * linear + full + h;
        long mtp = (long) h * 2 * h + 2L * h + full + h;
        assertThat(r.parameterCount()).isEqualTo(lm + mtp);

        ModelDirectory md = ModelDirectory.open(dir);
        Qwen35Config c = (Qwen35Config) md.config();
        assertThat(c.parameterCount()).isEqualTo(lm);
        assertThat(c.nested()).isTrue();
        assertThat(c.tieWordEmbeddings()).isTrue();
        assertThat(c.layerTypes()).containsExactly(LayerType.LINEAR_ATTENTION, LayerType.LINEAR_ATTENTION,
                LayerType.LINEAR_ATTENTION, LayerType.FULL_ATTENTION);
        assertThat(c.linearNumValueHeads()).isEqualTo(4);
        assertThat(c.linearNumKeyHeads()).isEqualTo(2);
        assertThat(c.mropeSection()).containsExactly(3, 3, 2);
        assertThat(c.rotaryDim()).isEqualTo(16);
        List<TensorSpec> all = new ArrayList<>(c.tensorSpecs());
        all.addAll(c.mtpTensorSpecs());
        assertWeightsMatchSpecs(md, all, lm + mtp);

        JsonNode cfg = new ObjectMapper().readTree(dir.resolve("config.json").toFile());
        assertThat(cfg.get("model_type").asText()).isEqualTo("qwen3_5");
        assertThat(cfg.get("text_config").get("model_type").asText()).isEqualTo("qwen3_5_text");
        try (SafetensorsModel w = md.weights()) {
            assertThat(w.names()).allMatch(n -> n.startsWith("model.language_model.") || n.startsWith("mtp."));
            assertThat(w.contains("lm_head.weight")).isFalse();
            float[] aLog = w.floats("model.language_model.layers.0.linear_attn.A_log");
            for (float x : aLog) assertThat(x).isBetween(0f, (float) Math.log(16));
            float[] norm = w.floats("model.language_model.layers.0.input_layernorm.weight");
            assertThat(mean(norm)).isBetween(-0.1, 0.1); // (1+w) norms: w around 0
            float[] gated = w.floats("model.language_model.layers.0.linear_attn.norm.weight");
            assertThat(mean(gated)).isBetween(0.9, 1.1); // plain-w gated norm around 1
            float[] emb = w.floats("model.language_model.embed_tokens.weight");
            assertThat(std(emb)).isBetween(0.45, 0.55);
        }
        assertThat(ChatTemplate.fromModelDir(dir).render(List.of(ChatMessage.user("hi")), true))
                .isEqualTo("<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n<think>\n");
    }

    @Test
    void qwen35WithVisionHasTheTowerTokenIdsAndPreprocessorConfig() throws IOException {
        TinyModelSpec spec = TinyModelSpec.builder(Architecture.QWEN3_5).seed(5).vision(true).build();
        Path dir = tmp.resolve("q35-vision");
        TinyModelWriter.Result r = TinyModelWriter.write(spec, dir);
        ModelDirectory md = ModelDirectory.open(dir);
        Qwen35Config c = (Qwen35Config) md.config();
        assertThat(c.hasVision()).isTrue();
        Qwen35VisionTower v = Qwen35VisionTower.fromJson("config.json", c.visionConfig()).validate("config.json");
        // D 32, 2 heads, MLP 64, depth 2, 16 px patches x 2 frames, 2x2 merge, 8x8 positions, out = text hidden 64
        long d = 32, i = 64, out = 64;
        long perBlock = 4 * d + 3 * d * d + 3 * d + d * d + d + i * d + i + d * i + d;
        long visionParams = d * 3 * 2 * 16 * 16 + d + 64 * d + 2 * perBlock + 2 * d + 16 * d * d + 4 * d + out * 4 * d + out;
        assertThat(v.tensorSpecs()).hasSize(33); // the reference's count for a depth-2 tower
        assertThat(v.headDim()).isEqualTo(16);
        assertThat(v.positionGridSide()).isEqualTo(8);
        assertThat(v.outHiddenSize()).isEqualTo(c.hiddenSize());
        List<TensorSpec> all = new ArrayList<>(c.tensorSpecs());
        all.addAll(v.tensorSpecs());
        assertWeightsMatchSpecs(md, all, c.parameterCount() + visionParams);
        assertThat(r.parameterCount()).isEqualTo(c.parameterCount() + visionParams);

        TinyTokenizer tok = TinyTokenizer.train(1024);
        assertThat(c.visionTokens()).isEqualTo(new VisionTokens(tok.id("<|image_pad|>"), tok.id("<|video_pad|>"),
                tok.id("<|vision_start|>"), tok.id("<|vision_end|>")));
        JsonNode cfg = new ObjectMapper().readTree(dir.resolve("config.json").toFile());
        assertThat(cfg.get("image_token_id").asInt()).isEqualTo(tok.id("<|image_pad|>"));
        assertThat(cfg.get("architectures").get(0).asText()).isEqualTo("Qwen3_5ForConditionalGeneration");
        JsonNode pre = new ObjectMapper().readTree(dir.resolve("preprocessor_config.json").toFile());
        assertThat(pre.get("patch_size").asInt()).isEqualTo(16);
        assertThat(pre.get("merge_size").asInt()).isEqualTo(2);
        assertThat(pre.get("size").get("shortest_edge").asLong()).isEqualTo(65_536);
        assertThat(pre.get("size").get("longest_edge").asLong()).isEqualTo(16_777_216);
        try (SafetensorsModel w = md.weights()) {
            assertThat(mean(w.floats("model.visual.blocks.0.norm1.weight"))).isBetween(0.9, 1.1); // plain LayerNorm
            assertThat(mean(w.floats("model.visual.merger.norm.weight"))).isBetween(0.9, 1.1);
            assertThat(std(w.floats("model.visual.patch_embed.proj.weight"))).isBetween(0.9 / Math.sqrt(1536), 1.1 / Math.sqrt(1536));
        }
        // the text-only model of the same seed has no tower and no preprocessor config
        Path plain = tmp.resolve("q35-plain");
        TinyModelWriter.write(TinyModelSpec.builder(Architecture.QWEN3_5).seed(5).build(), plain);
        assertThat(((Qwen35Config) ModelDirectory.open(plain).config()).hasVision()).isFalse();
        assertThat(plain.resolve("preprocessor_config.json")).doesNotExist();
        assertThatThrownBy(() -> TinyModelSpec.builder(Architecture.QWEN3).vision(true).build())
                .isInstanceOf(SmeltException.class).hasMessageContaining("--vision");
    }

    @Test
    void untiedQwen35HasAnLmHeadAndHalfPrecisionKeepsALogInF32() throws IOException {
        TinyModelSpec spec = TinyModelSpec.builder(Architecture.QWEN3_5).tieWordEmbeddings(false).dtype(DType.BF16)
                .numLayers(2).build();
        Path dir = tmp.resolve("q35-untied");
        TinyModelWriter.write(spec, dir);
        ModelDirectory md = ModelDirectory.open(dir);
        assertThat(md.config().tieWordEmbeddings()).isFalse();
        assertThat(((Qwen35Config) md.config()).layerTypes()).containsExactly(LayerType.LINEAR_ATTENTION, LayerType.FULL_ATTENTION);
        try (SafetensorsModel w = md.weights()) {
            assertThat(w.info("lm_head.weight").dtype()).isEqualTo(DType.BF16);
            assertThat(w.info("model.language_model.layers.0.linear_attn.A_log").dtype()).isEqualTo(DType.F32);
        }
        JsonNode cfg = new ObjectMapper().readTree(dir.resolve("config.json").toFile());
        assertThat(cfg.get("torch_dtype").asText()).isEqualTo("bfloat16");
    }

    @Test
    void sameSeedWritesIdenticalBytesAndOtherSeedsDiffer() throws IOException {
        TinyModelSpec spec = TinyModelSpec.builder(Architecture.QWEN3).seed(42).dtype(DType.F16).build();
        TinyModelWriter.write(spec, tmp.resolve("a"));
        TinyModelWriter.write(spec, tmp.resolve("b"));
        TinyModelWriter.write(TinyModelSpec.builder(Architecture.QWEN3).seed(43).dtype(DType.F16).build(), tmp.resolve("c"));
        for (String f : List.of("model.safetensors", "config.json", "generation_config.json", "tokenizer.json",
                "tokenizer_config.json", "README.md")) {
            assertThat(Files.mismatch(tmp.resolve("a").resolve(f), tmp.resolve("b").resolve(f))).as(f).isEqualTo(-1L);
        }
        assertThat(Files.mismatch(tmp.resolve("a/model.safetensors"), tmp.resolve("c/model.safetensors"))).isNotEqualTo(-1L);
        assertThat(Files.mismatch(tmp.resolve("a/tokenizer.json"), tmp.resolve("c/tokenizer.json"))).isEqualTo(-1L);
    }

    @Test
    void shardsWhenAskedAndReplacesAnExistingDirectoryAtomically() throws IOException {
        Path dir = tmp.resolve("sharded");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("stale.txt"), "old");
        TinyModelSpec spec = TinyModelSpec.builder(Architecture.LLAMA).maxShardBytes(200_000).build();
        TinyModelWriter.Result r = TinyModelWriter.write(spec, dir);
        assertThat(r.weightFiles()).hasSizeGreaterThan(2).last().isEqualTo(dir.resolve("model.safetensors.index.json"));
        assertThat(dir.resolve("stale.txt")).doesNotExist();
        assertThat(dir.resolve("model.safetensors")).doesNotExist();
        try (Stream<Path> s = Files.list(tmp)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactly("sharded"); // no temp dirs left
        }
        ModelDirectory md = ModelDirectory.open(dir);
        assertWeightsMatchSpecs(md, md.config().tensorSpecs(), r.parameterCount());
    }

    @Test
    void invalidShapesAreRejectedWithTheFieldNamed() {
        assertThatThrownBy(() -> TinyModelSpec.builder(Architecture.QWEN3).numHeads(8).numKvHeads(3).build())
                .isInstanceOf(SmeltException.class)
                .hasMessage("num_attention_heads (--heads) 8 must be a multiple of num_key_value_heads (--kv-heads) 3");
        assertThatThrownBy(() -> TinyModelSpec.builder(Architecture.QWEN3_5).linearKeyHeads(2).linearValueHeads(3).build())
                .isInstanceOf(SmeltException.class).hasMessageContaining("linear_num_value_heads (--linear-v-heads) 3");
        assertThatThrownBy(() -> TinyModelSpec.builder(Architecture.QWEN2).headDim(8).build())
                .isInstanceOf(SmeltException.class).hasMessageContaining("qwen2 derives head_dim");
        assertThatThrownBy(() -> TinyModelSpec.builder(Architecture.LLAMA).vocabSize(100).build())
                .isInstanceOf(SmeltException.class).hasMessageContaining("vocab_size (--vocab) 100 is below");
        assertThatThrownBy(() -> TinyModelSpec.builder(Architecture.LLAMA).dtype(DType.I8).build())
                .isInstanceOf(SmeltException.class).hasMessageContaining("must be f32, f16 or bf16");
    }

    private static void assertWeightsMatchSpecs(ModelDirectory md, List<TensorSpec> specs, long expectedParams) {
        try (SafetensorsModel w = md.weights()) {
            assertThat(w.names()).containsExactlyInAnyOrderElementsOf(specs.stream().map(TensorSpec::name).toList());
            long n = 0;
            for (TensorSpec s : specs) {
                TensorInfo info = w.info(s.name());
                assertThat(info.shape()).as(s.name()).containsExactly(s.shape());
                n += info.numElements();
            }
            assertThat(n).isEqualTo(expectedParams);
            assertThat(w.metadata()).containsEntry("format", "pt");
        }
    }

    private static double mean(float[] x) {
        double s = 0;
        for (float v : x) s += v;
        return s / x.length;
    }

    private static double std(float[] x) {
        double m = mean(x), s = 0;
        for (float v : x) s += (v - m) * (v - m);
        return Math.sqrt(s / x.length);
    }
}
