package dev.smelt.converter.hf;

import dev.smelt.converter.gguf.GgmlType;
import dev.smelt.converter.gguf.GgufTensor;
import dev.smelt.converter.gguf.GgufValue;
import dev.smelt.converter.gguf.GgufWriter;
import dev.smelt.core.SmeltException;
import dev.smelt.core.model.DenseConfig;
import dev.smelt.core.model.ModelConfig;
import dev.smelt.core.model.ModelDirectory;
import dev.smelt.core.model.Qwen35Config;
import dev.smelt.core.model.TensorSpec;
import dev.smelt.core.safetensors.SafetensorsModel;
import dev.smelt.core.safetensors.TensorInfo;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Hugging Face model directory → GGUF for llama.cpp (architectures llama, qwen2, qwen3, qwen35), following
 * llama.cpp's {@code convert_hf_to_gguf.py}: its tensor names, q/k RoPE permutation for {@code llama},
 * Qwen3.5 transforms ({@code A_log → −exp}, {@code +1} on (1+w) norms, conv squeeze, {@code dt_bias} rename,
 * V-head tiling), its metadata keys and its tokenizer export. Weights stream tensor by tensor from the
 * memory-mapped safetensors; 1-D tensors, norms, biases and {@code ssm_conv1d} stay F32 for F16/BF16 output.
 */
public final class GgufExport {
    private GgufExport() {}

    /**
     * @param name         general.name; null derives it from the directory name
     * @param tokenizerPre llama.cpp pre-tokenizer name to force; null detects it from tokenizer.json
     */
    public record Options(OutputType type, String name, String tokenizerPre) {
        public Options {
            if (type == null) type = OutputType.F16;
        }

        public static Options of(OutputType type) {
            return new Options(type, null, null);
        }
    }

    /** Everything the GGUF file will hold, computed and validated before a byte is written. */
    public record Plan(String architecture, Map<String, GgufValue> metadata, List<GgufTensor> tensors, List<String> notes) {
        public long dataBytes() {
            long n = 0;
            for (GgufTensor t : tensors) n += t.byteSize();
            return n;
        }
    }

    /** Progress and notes while exporting. */
    public interface Listener extends GgufWriter.Listener {
        default void note(String message) {}
    }

    public record Result(Path output, String architecture, int tensorCount, long dataBytes, List<String> notes) {}

    public static Result export(Path modelDir, Path output, Options options, Listener listener) throws IOException {
        if (java.nio.file.Files.isDirectory(output)) {
            throw new SmeltException(output + ": is a directory; give the output file name, e.g. " + output.resolve("model.gguf"));
        }
        ModelDirectory dir = ModelDirectory.open(modelDir);
        try (SafetensorsModel weights = dir.weights()) {
            Plan plan = plan(dir, weights, options);
            for (String n : plan.notes()) listener.note(n);
            GgufWriter.write(output, plan.metadata(), plan.tensors(), listener);
            return new Result(output, plan.architecture(), plan.tensors().size(), plan.dataBytes(), plan.notes());
        }
    }

    public static Plan plan(ModelDirectory dir, SafetensorsModel weights, Options options) {
        ModelConfig config = dir.config();
        String arch = HyperparameterMetadata.ggufArchitecture(config);
        TensorNameMap names = TensorNameMap.forArchitecture(arch);
        List<String> notes = new ArrayList<>();
        List<GgufTensor> tensors = planTensors(config, weights, names, options.type(), notes);

        Map<String, GgufValue> meta = new LinkedHashMap<>();
        meta.put("general.architecture", GgufValue.of(arch));
        meta.put("general.type", GgufValue.of("model"));
        meta.put("general.name", GgufValue.of(options.name() != null ? options.name() : modelName(dir.path())));
        long params = 0;
        for (GgufTensor t : tensors) params += t.numElements();
        meta.put("general.size_label", GgufValue.of(sizeLabel(params)));
        ModelCard card = ModelCard.read(dir.path().resolve("README.md"));
        if (card.license() != null) meta.put("general.license", GgufValue.of(card.license()));
        if (!card.baseModels().isEmpty()) {
            meta.put("general.base_model.count", GgufValue.u32(card.baseModels().size()));
            for (int i = 0; i < card.baseModels().size(); i++) {
                String id = card.baseModels().get(i);
                int slash = id.indexOf('/');
                meta.put("general.base_model." + i + ".name", GgufValue.of(slash >= 0 ? id.substring(slash + 1) : id));
                if (slash > 0) meta.put("general.base_model." + i + ".organization", GgufValue.of(id.substring(0, slash)));
                meta.put("general.base_model." + i + ".repo_url", GgufValue.of("https://huggingface.co/" + id));
            }
        }
        meta.putAll(HyperparameterMetadata.build(config));
        meta.put("general.file_type", GgufValue.u32(options.type().fileType()));
        meta.put("general.quantization_version", GgufValue.u32(2));
        meta.putAll(TokenizerMetadata.build(dir.tokenizerJson(), dir.tokenizerConfig(),
                dir.path().resolve("chat_template.jinja"), config.vocabSize(), config.bosTokenId(),
                dir.eosTokenIds(), options.tokenizerPre()));
        return new Plan(arch, meta, tensors, notes);
    }

    private static List<GgufTensor> planTensors(ModelConfig config, SafetensorsModel weights, TensorNameMap names,
            OutputType outType, List<String> notes) {
        Map<String, long[]> expected = new LinkedHashMap<>();
        for (TensorSpec s : config.tensorSpecs()) expected.put(s.name(), s.shape());
        Map<String, Integer> skipped = new LinkedHashMap<>();
        Set<String> seen = new LinkedHashSet<>();
        List<GgufTensor> out = new ArrayList<>();
        for (String src : weights.names()) {
            var skip = names.skip(src);
            if (skip.isPresent()) {
                skipped.merge(skip.get().reason(), 1, Integer::sum);
                continue;
            }
            TensorNameMap.Mapped mapped = names.map(src);
            TensorInfo info = weights.info(src);
            long[] want = expected.get(src);
            if (want != null && !Arrays.equals(want, info.shape())) {
                throw new SmeltException("tensor \"" + src + "\" has shape " + Arrays.toString(info.shape())
                        + " but config.json implies " + Arrays.toString(want));
            }
            if (!seen.add(mapped.ggufName())) {
                throw new SmeltException("two tensors map to the GGUF name \"" + mapped.ggufName() + "\" (second: \"" + src + "\")");
            }
            long[] shape = shapeFor(src, info.shape());
            RowTransform transform = transformFor(config, src, shape);
            GgmlType type = typeFor(mapped.ggufName(), shape, outType);
            out.add(new ConvertedTensor(mapped.ggufName(), reverse(shape), type, weights.file(src), info, transform));
        }
        for (String name : expected.keySet()) {
            if (!weights.contains(name)) {
                throw new SmeltException("the weights lack tensor \"" + name + "\" that config.json (" + config.architecture().modelType()
                        + ") requires");
            }
        }
        if (config instanceof DenseConfig d && d.ropeScaling() != null && d.ropeScaling().type().equals("llama3")) {
            if (d.architecture() == dev.smelt.core.model.Architecture.QWEN2) {
                throw new SmeltException("config.json: llama3 rope scaling is not supported by llama.cpp's qwen2 architecture");
            }
            float[] factors = HyperparameterMetadata.llama3RopeFactors(d);
            out.add(GgufTensor.ofFloats("rope_freqs.weight", new long[] {factors.length}, factors));
        }
        skipped.forEach((reason, count) -> notes.add("left out " + count + " tensor" + (count == 1 ? "" : "s") + ": " + reason));
        return out;
    }

    /** The PyTorch shape the GGUF tensor gets: conv1d kernels lose their singleton channel dim. */
    static long[] shapeFor(String name, long[] shape) {
        if (name.contains("conv1d")) return Arrays.stream(shape).filter(d -> d != 1).toArray();
        return shape;
    }

    /** F32 for 1-D tensors, norms, biases and conv kernels (llama.cpp expects them so); the requested type otherwise. */
    static GgmlType typeFor(String ggufName, long[] shape, OutputType outType) {
        if (outType == OutputType.F32) return GgmlType.F32;
        if (shape.length <= 1 || ggufName.endsWith("_norm.weight") || !ggufName.endsWith(".weight")
                || ggufName.contains(".ssm_conv1d.")) {
            return GgmlType.F32;
        }
        return outType.ggmlType();
    }

    static RowTransform transformFor(ModelConfig config, String name, long[] shape) {
        int rows = shape.length == 0 ? 1 : (int) shape[0];
        if (config instanceof DenseConfig d) {
            if (d.architecture() != dev.smelt.core.model.Architecture.LLAMA) return RowTransform.IDENTITY;
            if (name.endsWith("self_attn.q_proj.weight") || name.endsWith("self_attn.q_proj.bias")) {
                return RowTransform.IDENTITY.withRowOrder(RowTransform.llamaRopePermutation(rows, d.numHeads()));
            }
            if (name.endsWith("self_attn.k_proj.weight") || name.endsWith("self_attn.k_proj.bias")) {
                return RowTransform.IDENTITY.withRowOrder(RowTransform.llamaRopePermutation(rows, d.numKvHeads()));
            }
            return RowTransform.IDENTITY;
        }
        Qwen35Config q = (Qwen35Config) config;
        RowTransform t = RowTransform.IDENTITY;
        if (name.endsWith(".A_log")) t = t.withOp(RowTransform.ElementOp.NEG_EXP);
        else if (name.endsWith("norm.weight") && !name.endsWith("linear_attn.norm.weight")) t = t.withOp(RowTransform.ElementOp.PLUS_ONE);
        int hk = q.linearNumKeyHeads(), hv = q.linearNumValueHeads();
        if (hk == hv || !name.contains("linear_attn.")) return t;
        int r = hv / hk, dv = q.linearValueHeadDim(), qk = 2 * q.linearKeyDim();
        if (name.endsWith(".in_proj_qkv.weight") || name.contains(".conv1d.")) {
            return t.withRowOrder(RowTransform.vHeadTiling(rows, qk, hk, r, dv));
        }
        if (name.endsWith(".in_proj_z.weight")) return t.withRowOrder(RowTransform.vHeadTiling(rows, 0, hk, r, dv));
        if (name.endsWith(".in_proj_a.weight") || name.endsWith(".in_proj_b.weight") || name.endsWith(".A_log")
                || name.endsWith(".dt_bias")) {
            return t.withRowOrder(RowTransform.vHeadTiling(rows, 0, hk, r, 1));
        }
        if (name.endsWith(".out_proj.weight")) {
            return t.withColOrder(RowTransform.vHeadTiling((int) shape[1], 0, hk, r, dv));
        }
        return t;
    }

    static long[] reverse(long[] shape) {
        if (shape.length == 0) return new long[] {1};
        long[] d = new long[shape.length];
        for (int i = 0; i < shape.length; i++) d[i] = shape[shape.length - 1 - i];
        return d;
    }

    /** gguf-py's {@code size_label}: parameter count with K/M/B/T suffix and at least two significant digits. */
    static String sizeLabel(long params) {
        double scaled;
        String suffix;
        if (params > 1e12) { scaled = params * 1e-12; suffix = "T"; }
        else if (params > 1e9) { scaled = params * 1e-9; suffix = "B"; }
        else if (params > 1e6) { scaled = params * 1e-6; suffix = "M"; }
        else { scaled = params * 1e-3; suffix = "K"; }
        String whole = Long.toString(Math.round(scaled)).replaceFirst("^0+", "");
        int fix = Math.max(2 - whole.length(), 0);
        return String.format(java.util.Locale.ROOT, "%." + fix + "f", scaled) + suffix;
    }

    /** A readable model name: the directory name, or the repo name for a Hub cache snapshot. */
    static String modelName(Path dir) {
        Path abs = dir.toAbsolutePath().normalize();
        for (int i = abs.getNameCount() - 1; i >= 0; i--) {
            String part = abs.getName(i).toString();
            if (part.startsWith("models--")) {
                String[] bits = part.substring("models--".length()).split("--");
                return bits[bits.length - 1];
            }
        }
        return abs.getFileName() == null ? "model" : abs.getFileName().toString();
    }
}
