package dev.smelt.converter.onnx;

import dev.smelt.converter.arch.GgufArchitecture;
import dev.smelt.converter.hf.RowEdit;
import dev.smelt.converter.lora.LoraMerge;
import dev.smelt.converter.onnx.GraphBuilder.Graph;
import dev.smelt.core.SmeltException;
import dev.smelt.core.io.AtomicFiles;
import dev.smelt.core.model.DenseConfig;
import dev.smelt.core.model.LayerType;
import dev.smelt.core.model.ModelConfig;
import dev.smelt.core.model.ModelDirectory;
import dev.smelt.core.model.Qwen35Config;
import dev.smelt.core.model.TensorSpec;
import dev.smelt.core.safetensors.DType;
import dev.smelt.core.safetensors.Floats;
import dev.smelt.core.safetensors.SafetensorsFile;
import dev.smelt.core.safetensors.SafetensorsModel;
import dev.smelt.core.safetensors.TensorInfo;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Hugging Face model directory → a folder that onnxruntime, transformers.js and Optimum load as it is:
 * config.json, generation_config.json, tokenizer files, and {@code onnx/model{suffix}.onnx} (weights inline, or in
 * {@code model{suffix}.onnx_data} past the protobuf limit). Several dtypes can be exported into one folder; each
 * file is replaced atomically. Every tensor is checked against config.json before a byte is written; weights
 * stream one at a time from the memory-mapped safetensors, so the heap holds one chunk, not the model.
 */
public final class OnnxExport {
    /** Files copied beside the graph when the model directory has them (tokenizer.json and config.json must exist). */
    static final List<String> COPIED = List.of(ModelDirectory.CONFIG, ModelDirectory.GENERATION_CONFIG,
            ModelDirectory.TOKENIZER, ModelDirectory.TOKENIZER_CONFIG, "special_tokens_map.json", "chat_template.jinja",
            "preprocessor_config.json");
    /** Room left for the graph itself when deciding whether the weights fit inline. */
    static final long GRAPH_HEADROOM = 64L << 20;
    private static final int CHUNK_ELEMENTS = 1 << 22;
    public static final String GENAI_CONFIG = "genai_config.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private OnnxExport() {}

    /**
     * @param adapter           PEFT LoRA adapter merged into the weights as they stream (as {@code smelt merge}
     *                          computes it), or null
     * @param externalDataAbove weights past this many bytes go to {@code .onnx_data}; null for protobuf's limit
     * @param optimize          onnxruntime's fused contrib ops ({@link OptimizedDenseGraph}; Qwen3.5's fused form of
     *                          {@link Qwen35DecoderGraph}); fp32 and q4 only
     * @param imageText         a Qwen3.5 checkpoint with a vision tower in transformers.js's image+text layout:
     *                          {@code onnx/vision_encoder.onnx} ({@link Qwen35VisionGraph}), {@code onnx/embed_tokens.onnx}
     *                          and {@code onnx/decoder_model_merged.onnx} (taking {@code inputs_embeds}), with the
     *                          checkpoint's own multimodal config.json, each file with the dtype's suffix
     *                          (decoder in the dtype, embedding table in its float type, vision encoder float32); no
     *                          genai_config.json
     * @param all4Bit           q4/q4f16: Qwen3.5's linear-attention layers at 4 bits too, instead of 8
     *                          ({@link #bitsFor}); smaller files, onnxruntime-genai's default
     */
    public record Options(OnnxDtype dtype, Path adapter, Long externalDataAbove, Int4Packing int4, boolean optimize,
            boolean imageText, boolean all4Bit) {
        public Options {
            if (dtype == null) dtype = OnnxDtype.FP32;
            if (dtype.int4() && int4 == null) throw new IllegalArgumentException(dtype.spelling() + " needs an Int4Packing");
        }

        public Options(OnnxDtype dtype, Path adapter, Long externalDataAbove, Int4Packing int4, boolean optimize,
                boolean imageText) {
            this(dtype, adapter, externalDataAbove, int4, optimize, imageText, false);
        }

        public Options(OnnxDtype dtype, Path adapter, Long externalDataAbove, Int4Packing int4) {
            this(dtype, adapter, externalDataAbove, int4, false, false);
        }

        public Options(OnnxDtype dtype, Path adapter, Long externalDataAbove, Int4Packing int4, boolean optimize) {
            this(dtype, adapter, externalDataAbove, int4, optimize, false);
        }

        public static Options of(OnnxDtype dtype) {
            return new Options(dtype, null, null, null);
        }
    }

    public interface Listener extends OnnxModelWriter.Listener {
        default void note(String message) {}
    }

    /** @param files everything written, the model file first */
    public record Result(Path folder, Path model, List<Path> files, String architecture, int weightCount,
            long weightBytes, boolean externalData, List<String> opTypes) {}

    public static Result export(Path modelDir, Path outDir, Options options, Listener listener) throws IOException {
        ModelDirectory dir = ModelDirectory.open(modelDir);
        ModelConfig config = dir.config();
        dir.tokenizerJson(); // transformers.js needs it: fail before writing anything
        if (Files.exists(outDir) && !Files.isDirectory(outDir)) {
            throw new SmeltException(outDir + ": exists and is not a directory (convert onnx writes a model folder)");
        }
        if (options.optimize() && options.dtype() != OnnxDtype.FP32 && options.dtype() != OnnxDtype.Q4) {
            throw new SmeltException("--optimize is implemented for fp32 and q4 (got " + options.dtype().spelling() + ")");
        }
        if (options.imageText() && !(config instanceof Qwen35Config q0 && q0.hasVision())) {
            throw new SmeltException(modelDir + "/config.json: --image-text needs a qwen3_5 checkpoint with a vision_config"
                    + " (create-tiny --arch qwen3_5 --vision makes one)");
        }
        try (SafetensorsModel st = dir.weights()) {
            Map<String, TensorInfo> infos = checkTensors(dir, config, st);
            LoraMerge lora = options.adapter() == null ? null
                    : LoraMerge.load(options.adapter(), config, GgufArchitecture.of(config), st);
            if (lora != null && listener != null) {
                listener.note("merging " + lora.adaptedTensors() + " adapted weights from " + options.adapter());
            }
            ElementType act = options.dtype().activations();
            Function<String, RowEdit> edits = name -> lora == null ? null : lora.editFor(name).orElse(null);
            Function<String, Weight[]> int4 = options.dtype().int8() ? name -> int8(st, infos.get(name), edits.apply(name))
                    : !options.dtype().int4() ? null
                    : name -> int4(st, infos.get(name), act, edits.apply(name), options.int4(),
                            options.all4Bit() ? 4 : bitsFor(config, name));
            Function<String, Weight> w = name -> weight(st, infos.get(name), act, edits.apply(name));
            Function<String, Weight> w32 = name -> weight(st, infos.get(name), ElementType.FLOAT, edits.apply(name));
            Graph graph;
            if (config instanceof Qwen35Config q) {
                if (listener != null && infos.size() < st.names().size()) {
                    listener.note("qwen3_5: the text decoder is exported; vision-tower (model.visual.*) and MTP (mtp.*)"
                            + " tensors are left out");
                }
                graph = options.imageText() ? Qwen35DecoderGraph.buildFromEmbeddings(q, act, w, w32, int4, options.optimize())
                        : Qwen35DecoderGraph.build(q, act, w, w32, int4, options.optimize());
            } else if (options.optimize()) {
                graph = OptimizedDenseGraph.build((DenseConfig) config, w32, int4);
            } else {
                graph = DenseDecoderGraph.build((DenseConfig) config, act, w, w32, int4);
            }
            long limit = options.externalDataAbove() != null ? options.externalDataAbove()
                    : OnnxModelWriter.PROTOBUF_LIMIT - GRAPH_HEADROOM;
            boolean external = graph.weightBytes() > limit;
            Path onnxDir = outDir.resolve("onnx");
            Files.createDirectories(onnxDir);
            Path model = onnxDir.resolve(options.imageText() ? "decoder_model_merged" + options.dtype().suffix() + ".onnx"
                    : options.dtype().fileName());
            List<Path> files = new ArrayList<>(OnnxModelWriter.write(graph, model, external, producerVersion(),
                    Map.of(), listener == null ? new Listener() {} : listener));
            for (String name : COPIED) {
                Path src = dir.path().resolve(name);
                if (!Files.isRegularFile(src)) continue;
                Path dst = outDir.resolve(name);
                if (name.equals(ModelDirectory.CONFIG) && config instanceof Qwen35Config q && q.nested() && !options.imageText()) {
                    AtomicFiles.writeString(dst, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(textConfig(src, q)) + "\n");
                } else {
                    AtomicFiles.write(dst, ch -> ch.write(ByteBuffer.wrap(Files.readAllBytes(src))));
                }
                files.add(dst);
            }
            if (options.imageText()) {
                Qwen35Config q = (Qwen35Config) config;
                dev.smelt.core.model.Qwen35VisionTower tower = dev.smelt.core.model.Qwen35VisionTower
                        .fromJson(dir.path() + "/config.json", q.visionConfig()).validate(dir.path() + "/config.json");
                for (var spec : tower.tensorSpecs()) {
                    if (!st.contains(spec.name()) || !Arrays.equals(st.info(spec.name()).shape(), spec.shape())) {
                        throw new SmeltException(dir.path() + ": vision tensor \"" + spec.name() + "\" is missing or not "
                                + Arrays.toString(spec.shape()));
                    }
                }
                // float32 in every dtype: the encoder is a few percent of the weights and its features feed every image row
                Graph vision = Qwen35VisionGraph.build(tower, name -> weight(st, st.info(name), ElementType.FLOAT, null));
                Path visionFile = onnxDir.resolve("vision_encoder" + options.dtype().suffix() + ".onnx");
                files.addAll(OnnxModelWriter.write(vision, visionFile, vision.weightBytes() > limit, producerVersion(),
                        Map.of(), listener == null ? new Listener() {} : listener));
                Graph embed = Qwen35DecoderGraph.embedTokens(q, w);
                files.addAll(OnnxModelWriter.write(embed, onnxDir.resolve("embed_tokens" + options.dtype().suffix() + ".onnx"), embed.weightBytes() > limit,
                        producerVersion(), Map.of(), listener == null ? new Listener() {} : listener));
                if (listener != null) {
                    listener.note("image+text layout: genai_config.json is not written (onnxruntime-genai's vision"
                            + " pipeline needs its own processor config)");
                }
                return new Result(outDir, model, files, config.architecture().modelType(), graph.weights().size(),
                        graph.weightBytes(), external, graph.opTypes());
            }
            // genai_config.json names one decoder file: the one just written
            Path genai = outDir.resolve(GENAI_CONFIG);
            ObjectNode genaiConfig = GenaiConfig.of(config, dir.generationConfig(), dir.eosTokenIds(),
                    "onnx/" + options.dtype().fileName());
            AtomicFiles.writeString(genai, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(genaiConfig) + "\n");
            files.add(genai);
            return new Result(outDir, model, files, config.architecture().modelType(), graph.weights().size(),
                    graph.weightBytes(), external, graph.opTypes());
        }
    }

    /**
     * config.json for a Qwen3.5 text decoder exported from the multimodal checkpoint: {@code text_config} lifted to
     * the top as {@code model_type: qwen3_5_text}, {@code architectures: [Qwen3_5ForCausalLM]} (transformers.js then
     * loads {@code onnx/model{suffix}.onnx} as a decoder-only model taking {@code input_ids}, not the image+text
     * layout), the top-level token ids and {@code tie_word_embeddings} kept, and a {@code vision_config} holding only
     * {@code spatial_merge_size} (transformers.js 4.3.1 reads it when computing text-only mRoPE positions and fails
     * without it: shared/reference/onnx-decoders.md §2.4). {@code layer_types} is written out when the checkpoint only
     * had {@code full_attention_interval}, so consumers that name caches per layer kind need not derive it.
     */
    static ObjectNode textConfig(Path configJson, Qwen35Config c) throws IOException {
        ObjectNode root = (ObjectNode) JSON.readTree(configJson.toFile());
        ObjectNode text = ((ObjectNode) root.get("text_config")).deepCopy();
        ObjectNode out = JSON.createObjectNode();
        out.putArray("architectures").add("Qwen3_5ForCausalLM");
        out.put("model_type", "qwen3_5_text");
        text.remove("model_type");
        for (String key : List.of("tie_word_embeddings", "bos_token_id", "eos_token_id", "pad_token_id", "torch_dtype",
                "transformers_version")) {
            if (!text.has(key) && root.has(key)) out.set(key, root.get(key));
        }
        out.setAll(text);
        if (!out.has("layer_types")) {
            var types = out.putArray("layer_types");
            for (var t : c.layerTypes()) {
                types.add(t == dev.smelt.core.model.LayerType.LINEAR_ATTENTION ? "linear_attention" : "full_attention");
            }
        }
        com.fasterxml.jackson.databind.JsonNode vision = root.path("vision_config");
        out.putObject("vision_config").put("spatial_merge_size",
                vision.has("spatial_merge_size") ? vision.get("spatial_merge_size").asInt() : 2);
        return out;
    }

    /**
     * Every tensor config.json implies must be there with its shape, in a float type; any other tensor is an error
     * (an adapter or a different layout would otherwise be dropped silently).
     */
    static Map<String, TensorInfo> checkTensors(ModelDirectory dir, ModelConfig config, SafetensorsModel st) {
        Map<String, TensorInfo> infos = new LinkedHashMap<>();
        EnumSet<DType> floats = EnumSet.of(DType.F32, DType.F16, DType.BF16, DType.F64);
        for (TensorSpec spec : config.tensorSpecs()) {
            if (!st.contains(spec.name())) {
                throw new SmeltException(dir.path() + ": tensor \"" + spec.name() + "\" is missing (config.json's "
                        + config.architecture().modelType() + " layout needs it)");
            }
            TensorInfo info = st.info(spec.name());
            if (!Arrays.equals(info.shape(), spec.shape())) {
                throw new SmeltException(dir.path() + ": tensor \"" + spec.name() + "\" has shape " + Arrays.toString(info.shape())
                        + ", config.json implies " + Arrays.toString(spec.shape()));
            }
            if (!floats.contains(info.dtype())) {
                throw new SmeltException(dir.path() + ": tensor \"" + spec.name() + "\" is " + info.dtype()
                        + "; expected a float type (F32, F16, BF16)");
            }
            infos.put(spec.name(), info);
        }
        for (String name : st.names()) {
            // transformers drops both on load: a stale RoPE buffer, and a head saved although tied to the embedding
            // and Qwen3.5's vision tower and MTP head, which the text decoder does not run
            boolean ignored = name.endsWith(".rotary_emb.inv_freq") || config.tieWordEmbeddings() && name.equals("lm_head.weight")
                    || config instanceof Qwen35Config && (name.startsWith("model.visual.") || name.startsWith("mtp."));
            if (!infos.containsKey(name) && !ignored) {
                throw new SmeltException(dir.path() + ": unexpected tensor \"" + name + "\" for a "
                        + config.architecture().modelType() + " model (is it a merged model? adapters are merged first)");
            }
        }
        return infos;
    }

    /**
     * A safetensors tensor converted chunk by chunk to {@code type} as the writer streams it, each row changed by
     * {@code edit} first when there is one (a 2-D weight an adapter adapts).
     */
    static Weight weight(SafetensorsModel st, TensorInfo info, ElementType type, RowEdit edit) {
        SafetensorsFile file = st.file(info.name());
        DType src = info.dtype();
        if (edit != null) return editedWeight(file, info, type, edit);
        return new Weight(info.name(), type, info.shape(), sink -> {
            long n = info.numElements();
            for (long i = 0; i < n; i += CHUNK_ELEMENTS) {
                int count = (int) Math.min(CHUNK_ELEMENTS, n - i);
                ByteBuffer window = file.window(info.name(), i * src.byteSize(), (long) count * src.byteSize());
                byte[] bytes;
                if (src == DType.F32 && type == ElementType.FLOAT) {
                    bytes = new byte[count * 4];
                    window.get(bytes);
                } else {
                    bytes = FloatEncoding.encode(type, Floats.toFloats(window, src, count));
                }
                sink.write(bytes, 0, bytes.length);
            }
        });
    }

    private static Weight editedWeight(SafetensorsFile file, TensorInfo info, ElementType type, RowEdit edit) {
        return new Weight(info.name(), type, info.shape(), sink -> forEachRowChunk(file, info, edit, (values, rows) -> {
            byte[] bytes = FloatEncoding.encode(type, values, 0, rows * (int) info.shape()[1]);
            sink.write(bytes, 0, bytes.length);
        }));
    }

    /**
     * {@code MatMulNBits}' B ({@code uint8 [N, K/32, 16]}) and scales ({@code [N, K/32]} in {@code scaleType}) of a
     * 2-D weight; each is quantized as the writer reaches it (quantizing twice is cheaper than holding either).
     */
    static Weight[] int4(SafetensorsModel st, TensorInfo info, ElementType scaleType, RowEdit edit, Int4Packing packing,
            int bits) {
        SafetensorsFile file = st.file(info.name());
        long n = info.shape()[0];
        int k = Math.toIntExact(info.shape()[1]);
        int blocks = k / Int4Packing.BLOCK;
        int rowBytes = k * bits / 8;
        Weight b = new Weight(info.name() + "_Q" + bits, ElementType.UINT8, new long[] {n, blocks, Int4Packing.BLOCK * bits / 8},
                sink -> forEachRowChunk(file, info, edit, (values, rows) -> {
                    byte[] packed = new byte[rows * rowBytes];
                    pack(packing, bits, values, rows, k, packed, new float[rows * blocks]);
                    sink.write(packed, 0, packed.length);
                }));
        Weight scales = new Weight(info.name() + "_scales", scaleType, new long[] {n, blocks},
                sink -> forEachRowChunk(file, info, edit, (values, rows) -> {
                    float[] s = new float[rows * blocks];
                    pack(packing, bits, values, rows, k, new byte[rows * rowBytes], s);
                    byte[] bytes = FloatEncoding.encode(scaleType, s);
                    sink.write(bytes, 0, bytes.length);
                }));
        return new Weight[] {b, scales};
    }

    private static void pack(Int4Packing packing, int bits, float[] x, int rows, int k, byte[] codes, float[] scales) {
        if (bits == 8) packing.pack8(x, rows, k, codes, scales);
        else packing.pack(x, rows, k, codes, scales);
    }

    /**
     * Bits of a {@code q4}/{@code q4f16} projection: 8 for the projections of Qwen3.5's linear-attention layers (their
     * in_proj/out_proj and their MLP), 4 for everything else. That is onnxruntime-genai's {@code int8_linear_attn}
     * placement: the delta-rule state carries a weight error into every later token, and measured on nine tiny
     * qwen3_5 models (OnnxParityIT) all-4-bit agreed with Smelt's greedy path on 11–31 of 32 tokens, this on 30–32.
     * {@link Options#all4Bit} (the CLI's {@code --all-4-bit}) turns it off.
     */
    static int bitsFor(ModelConfig config, String weightName) {
        if (!(config instanceof Qwen35Config q)) return 4;
        Matcher m = LAYER.matcher(weightName);
        if (!m.find()) return 4;
        int layer = Integer.parseInt(m.group(1));
        return layer < q.layerTypes().size() && q.layerTypes().get(layer) == LayerType.LINEAR_ATTENTION ? 8 : 4;
    }

    private static final Pattern LAYER = Pattern.compile("(?:^|\\.)layers\\.(\\d+)\\.");

    /**
     * {@code MatMulInteger}'s uint8 codes ({@code [N, K]}, zero point 128) and per-row float32 scales ({@code [N]})
     * of a 2-D weight ({@link Int8Rows}); like {@link #int4}, each is quantized as the writer reaches it.
     */
    static Weight[] int8(SafetensorsModel st, TensorInfo info, RowEdit edit) {
        SafetensorsFile file = st.file(info.name());
        long n = info.shape()[0];
        int k = Math.toIntExact(info.shape()[1]);
        Weight codes = new Weight(info.name() + "_Q8", ElementType.UINT8, new long[] {n, k},
                sink -> forEachRowChunk(file, info, edit, (values, rows) -> {
                    byte[] q = new byte[rows * k];
                    Int8Rows.quantize(values, rows, k, q, new float[rows]);
                    sink.write(q, 0, q.length);
                }));
        Weight scales = new Weight(info.name() + "_scales", ElementType.FLOAT, new long[] {n},
                sink -> forEachRowChunk(file, info, edit, (values, rows) -> {
                    float[] s = new float[rows];
                    Int8Rows.quantize(values, rows, k, new byte[rows * k], s);
                    byte[] bytes = FloatEncoding.encode(ElementType.FLOAT, s);
                    sink.write(bytes, 0, bytes.length);
                }));
        return new Weight[] {codes, scales};
    }

    private interface RowChunk {
        void accept(float[] values, int rows) throws IOException;
    }

    /** Whole rows of a 2-D tensor as floats, about {@code CHUNK_ELEMENTS} at a time, each row edited first. */
    private static void forEachRowChunk(SafetensorsFile file, TensorInfo info, RowEdit edit, RowChunk consumer) throws IOException {
        DType src = info.dtype();
        int cols = Math.toIntExact(info.shape()[1]);
        int rowsPerChunk = Math.max(1, CHUNK_ELEMENTS / cols);
        long rows = info.shape()[0];
        float[] row = new float[cols];
        for (long r0 = 0; r0 < rows; r0 += rowsPerChunk) {
            int count = (int) Math.min(rowsPerChunk, rows - r0);
            ByteBuffer window = file.window(info.name(), r0 * cols * src.byteSize(), (long) count * cols * src.byteSize());
            float[] values = Floats.toFloats(window, src, count * cols);
            if (edit != null) {
                for (int r = 0; r < count; r++) {
                    System.arraycopy(values, r * cols, row, 0, cols);
                    edit.apply(Math.toIntExact(r0 + r), row);
                    System.arraycopy(row, 0, values, r * cols, cols);
                }
            }
            consumer.accept(values, count);
        }
    }

    private static String producerVersion() {
        String v = OnnxExport.class.getPackage().getImplementationVersion();
        return v != null ? v : "dev";
    }
}
