package dev.smelt.core.tiny;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.smelt.core.chat.BuiltinChatTemplates;
import dev.smelt.core.io.AtomicFiles;
import dev.smelt.core.model.Architecture;
import dev.smelt.core.model.DenseConfig;
import dev.smelt.core.model.LayerType;
import dev.smelt.core.model.ModelConfig;
import dev.smelt.core.model.Qwen35Config;
import dev.smelt.core.model.Qwen35VisionTower;
import dev.smelt.core.model.VisionTokens;
import dev.smelt.core.model.TensorSpec;
import dev.smelt.core.safetensors.DType;
import dev.smelt.core.safetensors.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes a complete Hugging Face model directory with random weights: config.json, generation_config.json,
 * model.safetensors (or shards with an index), tokenizer.json, tokenizer_config.json (with the family's
 * real chat template) and a README.md model card. Weights depend only on the spec and seed, so the same
 * spec writes byte-identical files. Tensors are generated while they are written, one at a time.
 */
public final class TinyModelWriter {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** What was written. */
    public record Result(Path directory, ModelConfig config, long parameterCount, long weightBytes, List<Path> weightFiles) {}

    private TinyModelWriter() {}

    /** The chat template a tiny model of this family ships with. */
    public static String chatTemplateFor(Architecture arch) {
        return switch (arch) {
            case LLAMA -> BuiltinChatTemplates.LLAMA2.source();
            case QWEN2 -> BuiltinChatTemplates.QWEN2_5.source();
            case QWEN3 -> BuiltinChatTemplates.QWEN3.source();
            case QWEN3_5 -> BuiltinChatTemplates.QWEN3_5.source();
        };
    }

    /** The typed config for {@code spec} with the token ids of its tokenizer. */
    public static ModelConfig config(TinyModelSpec spec, TinyTokenizer tokenizer) {
        int bos = tokenizer.endOfTextId();
        List<Integer> eos = List.of(tokenizer.imEndId());
        if (spec.architecture() == Architecture.QWEN3_5) {
            List<LayerType> types = new ArrayList<>();
            for (int i = 0; i < spec.numLayers(); i++) {
                types.add((i + 1) % spec.fullAttentionInterval() == 0 ? LayerType.FULL_ATTENTION : LayerType.LINEAR_ATTENTION);
            }
            int pairs = spec.headDim() / 4 / 2; // partial_rotary_factor 0.25, rotated in pairs
            int side = Math.min((pairs + 2) / 3, pairs / 2); // 32 pairs → [11, 11, 10] as in the real checkpoints
            List<Integer> mrope = List.of(side, side, pairs - 2 * side);
            return new Qwen35Config(spec.vocabSize(), spec.hiddenSize(), spec.intermediateSize(), spec.numLayers(),
                    spec.numHeads(), spec.numKvHeads(), spec.headDim(), 1e-6, 10_000_000.0, 0.25, mrope, true,
                    spec.maxPositionEmbeddings(), spec.tieWordEmbeddings(), true, 4,
                    spec.linearKeyHeadDim(), spec.linearValueHeadDim(), spec.linearKeyHeads(), spec.linearValueHeads(),
                    types, spec.fullAttentionInterval(), spec.mtpLayers(), true,
                    spec.vision() ? visionConfig(spec) : null, bos, eos,
                    spec.vision() ? new VisionTokens(tokenizer.id("<|image_pad|>"), tokenizer.id("<|video_pad|>"),
                            tokenizer.id("<|vision_start|>"), tokenizer.id("<|vision_end|>")) : null);
        }
        Architecture a = spec.architecture();
        return new DenseConfig(a, spec.vocabSize(), spec.hiddenSize(), spec.intermediateSize(), spec.numLayers(),
                spec.numHeads(), spec.numKvHeads(), spec.headDim(),
                a == Architecture.LLAMA ? 1e-5 : 1e-6,
                a == Architecture.LLAMA ? 10_000.0 : 1_000_000.0,
                null, spec.maxPositionEmbeddings(), spec.tieWordEmbeddings(),
                a == Architecture.QWEN2, false, false, bos, eos);
    }

    /**
     * The tiny vision tower (Qwen3.5's real layout and settings at toy width): width 32, 2 heads, 2 blocks, MLP 64,
     * 16-pixel patches over 2 frames, 2x2 merge, an 8x8 learned position grid, output width = the text hidden size.
     */
    static ObjectNode visionConfig(TinyModelSpec spec) {
        ObjectNode v = JSON.createObjectNode();
        v.put("model_type", "qwen3_5");
        v.put("depth", 2);
        v.put("hidden_size", 32);
        v.put("hidden_act", "gelu_pytorch_tanh");
        v.put("intermediate_size", 64);
        v.put("num_heads", 2);
        v.put("in_channels", 3);
        v.put("patch_size", 16);
        v.put("temporal_patch_size", 2);
        v.put("spatial_merge_size", 2);
        v.put("out_hidden_size", spec.hiddenSize());
        v.put("num_position_embeddings", 64);
        v.putArray("deepstack_visual_indexes");
        v.put("initializer_range", 0.02);
        return v;
    }

    /** The image processor settings of the released Qwen3.5 checkpoints (preprocessor_config.json). */
    static ObjectNode preprocessorConfig() {
        ObjectNode p = JSON.createObjectNode();
        ObjectNode size = p.putObject("size");
        size.put("longest_edge", 16_777_216);
        size.put("shortest_edge", 65_536);
        p.put("patch_size", 16);
        p.put("temporal_patch_size", 2);
        p.put("merge_size", 2);
        p.putArray("image_mean").add(0.5).add(0.5).add(0.5);
        p.putArray("image_std").add(0.5).add(0.5).add(0.5);
        p.put("do_resize", true);
        p.put("do_rescale", true);
        p.put("rescale_factor", 1.0 / 255);
        p.put("do_normalize", true);
        p.put("do_convert_rgb", true);
        p.put("resample", 3);
        p.put("processor_class", "Qwen3VLProcessor");
        p.put("image_processor_type", "Qwen2VLImageProcessorFast");
        return p;
    }

    /** Every tensor written, in file order: the language model, then (qwen3_5) the vision tower and the MTP head. */
    public static List<TensorSpec> tensorSpecs(ModelConfig config) {
        List<TensorSpec> specs = new ArrayList<>(config.tensorSpecs());
        if (config instanceof Qwen35Config q) {
            if (q.hasVision()) specs.addAll(Qwen35VisionTower.fromJson("config.json", q.visionConfig()).tensorSpecs());
            specs.addAll(q.mtpTensorSpecs());
        }
        return specs;
    }

    /**
     * Writes the model into {@code out} atomically: it is built in a sibling temporary directory and renamed
     * into place, replacing whatever was at {@code out}.
     */
    public static Result write(TinyModelSpec spec, Path out) throws IOException {
        TinyTokenizer tokenizer = TinyTokenizer.train(spec.vocabSize());
        ModelConfig config = config(spec, tokenizer);
        boolean oneCentered = config instanceof Qwen35Config;
        List<RandomTensor> tensors = new ArrayList<>();
        long params = 0;
        long bytes = 0;
        for (TensorSpec t : tensorSpecs(config)) {
            // Qwen3.5 checkpoints keep the decay parameter in float32 whatever the rest is stored in
            DType dtype = t.name().endsWith(".A_log") ? DType.F32 : spec.dtype();
            RandomTensor r = new RandomTensor(t.name(), dtype, t.shape(), WeightInit.of(t.name(), oneCentered), spec.seed());
            tensors.add(r);
            params += t.numElements();
            bytes += r.byteSize();
        }
        List<Path> files = new ArrayList<>();
        long totalParams = params;
        AtomicFiles.writeDirectory(out, tmp -> {
            AtomicFiles.writeString(tmp.resolve("config.json"), JSON.writeValueAsString(configJson(config, spec)) + "\n");
            AtomicFiles.writeString(tmp.resolve("generation_config.json"),
                    JSON.writeValueAsString(generationConfig(tokenizer)) + "\n");
            tokenizer.writeTo(tmp, chatTemplateFor(spec.architecture()), spec.maxPositionEmbeddings());
            if (spec.vision()) {
                AtomicFiles.writeString(tmp.resolve("preprocessor_config.json"),
                        JSON.writeValueAsString(preprocessorConfig()) + "\n");
            }
            AtomicFiles.writeString(tmp.resolve("README.md"), modelCard(spec, totalParams));
            for (Path p : SafetensorsWriter.writeSharded(tmp, Map.of("format", "pt"), tensors, spec.maxShardBytes())) {
                files.add(out.resolve(p.getFileName()));
            }
        });
        return new Result(out, config, params, bytes, files);
    }

    private static ObjectNode configJson(ModelConfig config, TinyModelSpec spec) {
        ObjectNode o = config.toJson();
        o.put("torch_dtype", switch (spec.dtype()) {
            case F16 -> "float16";
            case BF16 -> "bfloat16";
            default -> "float32";
        });
        return o;
    }

    private static ObjectNode generationConfig(TinyTokenizer tokenizer) {
        ObjectNode g = JSON.createObjectNode();
        g.put("bos_token_id", tokenizer.endOfTextId());
        g.putArray("eos_token_id").add(tokenizer.imEndId()).add(tokenizer.endOfTextId());
        g.put("pad_token_id", tokenizer.endOfTextId());
        g.put("do_sample", false); // random weights: greedy is the only meaningful default
        return g;
    }

    private static String modelCard(TinyModelSpec spec, long params) {
        Map<String, Object> facts = new LinkedHashMap<>();
        facts.put("architecture", spec.architecture().modelType());
        facts.put("seed", spec.seed());
        facts.put("parameters", params);
        facts.put("dtype", spec.dtype().name().toLowerCase(Locale.ROOT));
        if (spec.vision()) facts.put("vision tower", "yes (model.visual.*, preprocessor_config.json)");
        StringBuilder b = new StringBuilder();
        b.append("---\nlibrary_name: transformers\nlicense: apache-2.0\ntags:\n- smelt\n- tiny-random\n---\n\n");
        b.append("# Tiny random ").append(spec.architecture().modelType()).append(" model\n\n");
        b.append("Written by `smelt create-tiny` for tests: the weights are random and the model produces noise.\n\n");
        facts.forEach((k, v) -> b.append("- ").append(k).append(": ").append(v).append('\n'));
        return b.toString();
    }
}
