package dev.smelt.converter.hf;

import dev.smelt.converter.arch.GgufArchitecture;
import dev.smelt.converter.arch.RowTransform;
import dev.smelt.converter.gguf.GgmlType;
import dev.smelt.converter.gguf.GgufFormat;
import dev.smelt.converter.gguf.GgufTensor;
import dev.smelt.converter.gguf.GgufValue;
import dev.smelt.converter.gguf.GgufWriter;
import dev.smelt.converter.gguf.vocab.GgufKeys.General;
import dev.smelt.converter.gguf.vocab.GgufKeys.GeneralType;
import dev.smelt.converter.gguf.vocab.GgufKeys.Tokenizer;
import dev.smelt.converter.gguf.vocab.MappedTensor;
import dev.smelt.converter.gguf.vocab.TensorNameMap;
import dev.smelt.converter.lora.LoraMerge;
import dev.smelt.core.SmeltException;
import dev.smelt.core.chat.ChatTemplateKwargs;
import dev.smelt.core.model.ModelConfig;
import dev.smelt.core.model.ModelDirectory;
import dev.smelt.core.model.TensorSpec;
import dev.smelt.core.safetensors.SafetensorsModel;
import dev.smelt.core.safetensors.TensorInfo;
import dev.smelt.hub.SnapshotPath;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Hugging Face model directory → GGUF for llama.cpp, following llama.cpp's {@code convert_hf_to_gguf.py}: the
 * {@link GgufArchitecture} of the config names the tensors, writes the {@code {arch}.*} keys and says how rows
 * move; this class adds the {@code general.*} and tokenizer metadata, checks shapes against config.json and plans
 * every tensor before a byte is written. Weights stream tensor by tensor from the memory-mapped safetensors;
 * norms, conv kernels, biases and other 1-D tensors stay F32 for F16/BF16 output.
 */
public final class GgufExport {
    private GgufExport() {}

    /**
     * @param name         general.name; null derives it from the directory name
     * @param tokenizerPre llama.cpp pre-tokenizer name to force; null detects it from tokenizer.json
     * @param adapter      PEFT LoRA adapter directory merged into the weights as they convert; null for none
     */
    public record Options(OutputType type, String name, String tokenizerPre, Path adapter) {
        public Options {
            if (type == null) type = OutputType.F16;
        }

        public Options(OutputType type, String name, String tokenizerPre) {
            this(type, name, tokenizerPre, null);
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
        if (Files.isDirectory(output)) {
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
        GgufArchitecture arch = GgufArchitecture.of(config);
        List<String> notes = new ArrayList<>();
        LoraMerge merge = options.adapter() == null ? null : LoraMerge.load(options.adapter(), config, arch, weights);
        List<GgufTensor> tensors = planTensors(config, arch, weights, options.type(), merge, notes);
        if (merge != null) {
            notes.add("merged the LoRA adapter " + merge.adapterDir() + " into " + merge.adaptedTensors() + " weights");
        }

        Map<String, GgufValue> meta = new LinkedHashMap<>();
        meta.put(General.ARCHITECTURE, GgufValue.of(arch.ggufName()));
        meta.put(General.TYPE, GgufValue.of(GeneralType.MODEL));
        meta.put(General.NAME, GgufValue.of(options.name() != null ? options.name() : modelName(dir.path())));
        long params = 0;
        for (GgufTensor t : tensors) params += t.numElements();
        meta.put(General.SIZE_LABEL, GgufValue.of(sizeLabel(params)));
        ModelCard card = ModelCard.read(dir.path().resolve("README.md"));
        if (card.license() != null) meta.put(General.LICENSE, GgufValue.of(card.license()));
        if (!card.baseModels().isEmpty()) {
            meta.put(General.BASE_MODEL_COUNT, GgufValue.u32(card.baseModels().size()));
            for (int i = 0; i < card.baseModels().size(); i++) {
                String id = card.baseModels().get(i);
                int slash = id.indexOf('/');
                meta.put(General.BASE_MODEL_NAME.of(i), GgufValue.of(slash >= 0 ? id.substring(slash + 1) : id));
                if (slash > 0) meta.put(General.BASE_MODEL_ORGANIZATION.of(i), GgufValue.of(id.substring(0, slash)));
                meta.put(General.BASE_MODEL_REPO_URL.of(i), GgufValue.of("https://huggingface.co/" + id));
            }
        }
        meta.putAll(arch.hyperparameters(config));
        meta.put(General.FILE_TYPE, GgufValue.u32(options.type().fileType()));
        meta.put(General.QUANTIZATION_VERSION, GgufValue.u32(GgufFormat.QUANTIZATION_VERSION));
        meta.putAll(TokenizerMetadata.build(dir.tokenizerJson(), dir.tokenizerConfig(),
                dir.path().resolve("chat_template.jinja"), config.vocabSize(), config.bosTokenId(),
                dir.eosTokenIds(), options.tokenizerPre()));
        fixTrainedChatTemplateKwargs(dir.path(), options.adapter(), meta, notes);
        return new Plan(arch.ggufName(), meta, tensors, notes);
    }

    /**
     * An adapter records the template variables it was trained with ({@code chat_template_kwargs.json}, e.g. {@code
     * enable_thinking=false}), and a merged model keeps the record and carries them as template defaults. llama.cpp's
     * chat and node-llama-cpp's Jinja wrapper pass {@code enable_thinking} themselves, so in the GGUF the values are
     * fixed instead (the adapter merged while converting, if any, over the model's own record).
     */
    private static void fixTrainedChatTemplateKwargs(Path modelDir, Path adapter, Map<String, GgufValue> meta,
            List<String> notes) {
        ChatTemplateKwargs trained = ChatTemplateKwargs.read(modelDir)
                .overriddenBy(adapter == null ? ChatTemplateKwargs.NONE : ChatTemplateKwargs.read(adapter));
        if (trained.isEmpty()) return;
        boolean fixed = false;
        for (Map.Entry<String, GgufValue> e : meta.entrySet()) {
            boolean template = e.getKey().equals(Tokenizer.CHAT_TEMPLATE) || e.getKey().startsWith(Tokenizer.CHAT_TEMPLATE + ".");
            if (template && e.getValue() instanceof GgufValue.Str s) {
                e.setValue(GgufValue.of(trained.asFixedIn(s.value())));
                fixed = true;
            }
        }
        if (fixed) {
            notes.add("chat template: fixed the variables the model was trained with " + trained.values() + " ("
                    + ChatTemplateKwargs.FILE + ")");
        }
    }

    private static List<GgufTensor> planTensors(ModelConfig config, GgufArchitecture arch, SafetensorsModel weights,
            OutputType outType, LoraMerge merge, List<String> notes) {
        TensorNameMap names = arch.tensorNames();
        Map<String, long[]> expected = new LinkedHashMap<>();
        for (TensorSpec s : config.tensorSpecs()) expected.put(s.name(), s.shape());
        Map<String, Integer> skipped = new LinkedHashMap<>();
        Set<String> seen = new LinkedHashSet<>();
        List<GgufTensor> out = new ArrayList<>();
        for (String src : weights.names()) {
            Optional<String> skip = arch.skipReason(src);
            if (skip.isPresent()) {
                skipped.merge(skip.get(), 1, Integer::sum);
                continue;
            }
            MappedTensor mapped = names.map(src);
            TensorInfo info = weights.info(src);
            long[] want = expected.get(src);
            if (want != null && !Arrays.equals(want, info.shape())) {
                throw new SmeltException("tensor \"" + src + "\" has shape " + Arrays.toString(info.shape())
                        + " but config.json implies " + Arrays.toString(want));
            }
            if (!seen.add(mapped.ggufName())) {
                throw new SmeltException("two tensors map to the GGUF name \"" + mapped.ggufName() + "\" (second: \"" + src + "\")");
            }
            long[] shape = arch.shape(mapped, info.shape());
            RowTransform transform = arch.transform(config, mapped, shape);
            RowEdit edit = merge == null ? null : merge.editFor(src).orElse(null);
            out.add(new ConvertedTensor(mapped.ggufName(), reverse(shape), typeFor(mapped, shape, outType),
                    weights.file(src), info, transform, edit));
        }
        for (String name : expected.keySet()) {
            if (!weights.contains(name)) {
                throw new SmeltException("the weights lack tensor \"" + name + "\" that config.json (" + config.architecture().modelType()
                        + ") requires");
            }
        }
        out.addAll(arch.extraTensors(config));
        skipped.forEach((reason, count) -> notes.add("left out " + count + " tensor" + (count == 1 ? "" : "s") + ": " + reason));
        return out;
    }

    /** F32 for norms, conv kernels, biases and other 1-D tensors (llama.cpp expects them so); the requested type otherwise. */
    static GgmlType typeFor(MappedTensor tensor, long[] shape, OutputType outType) {
        if (outType == OutputType.F32 || shape.length <= 1 || tensor.kind().keepsF32() || !tensor.suffix().equals(".weight")) {
            return GgmlType.F32;
        }
        return outType.ggmlType();
    }

    /** GGUF dims (innermost first) of a PyTorch shape; a scalar is {@code [1]}. */
    public static long[] reverse(long[] shape) {
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
        return String.format(Locale.ROOT, "%." + fix + "f", scaled) + suffix;
    }

    /** A readable model name: the directory name, or the repo name for a Hub cache snapshot. */
    static String modelName(Path dir) {
        Path abs = dir.toAbsolutePath().normalize();
        return SnapshotPath.parse(abs).map(s -> s.repo().name())
                .orElse(abs.getFileName() == null ? "model" : abs.getFileName().toString());
    }
}
