package dev.smelt.trainer.merge;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.smelt.core.SmeltException;
import dev.smelt.core.chat.ChatTemplateKwargs;
import dev.smelt.core.io.AtomicFiles;
import dev.smelt.core.model.ModelDirectory;
import dev.smelt.core.safetensors.DType;
import dev.smelt.core.safetensors.Floats;
import dev.smelt.core.safetensors.SafetensorsFile;
import dev.smelt.core.safetensors.SafetensorsModel;
import dev.smelt.core.safetensors.SafetensorsWriter;
import dev.smelt.core.safetensors.TensorInfo;
import dev.smelt.core.safetensors.TensorSource;
import dev.smelt.trainer.peft.AdapterFiles;
import dev.smelt.trainer.peft.LoraPair;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.stream.Stream;

/**
 * Folds a LoRA adapter into its base model: {@code W ← W + scaling·B·A} for every adapted projection,
 * written as a (sharded) Hugging Face directory with the base's config and tokenizer files, its chat template
 * taking the adapter's recorded template variables as defaults ({@link ChatTemplateKwargs#bakeInto}) and the record
 * kept beside it. Tensors are
 * streamed: each is read memory-mapped and processed in blocks of rows while the shard is written, so
 * memory stays at one block whatever the model size. The output directory appears atomically.
 */
public final class AdapterMerger {
    /** Rows are folded in blocks of about this many elements. */
    private static final long BLOCK_ELEMENTS = 4L << 20;
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private AdapterMerger() {}

    /** Result of a merge: the files written and how many projections were folded. */
    public record Result(Path dir, List<Path> weightFiles, int foldedModules) {}

    /**
     * @param outType element type for every floating-point tensor, or null to keep each tensor's own type
     * @param progress called with (tensors done, total) as tensors are written; may be null
     */
    public static Result merge(Path modelDir, Path adapterDir, Path outDir, DType outType, long maxShardBytes,
            BiConsumer<Integer, Integer> progress) throws IOException {
        if (outType != null && outType != DType.F32 && outType != DType.F16 && outType != DType.BF16) {
            throw new SmeltException("--dtype must be fp32, fp16 or bf16, got " + outType);
        }
        if (outDir.toAbsolutePath().normalize().equals(modelDir.toAbsolutePath().normalize())) {
            throw new SmeltException("--out " + outDir + " is the base model directory; choose a new directory");
        }
        ModelDirectory model = ModelDirectory.open(modelDir);
        AdapterFiles.Adapter adapter = AdapterFiles.read(adapterDir);
        ChatTemplateKwargs trainedWith = ChatTemplateKwargs.read(adapterDir);
        List<Path> written = new ArrayList<>();
        int[] folded = {0};
        try (SafetensorsModel weights = model.weights()) {
            Map<String, LoraPair> byTensor = resolve(adapterDir, adapter, weights);
            List<TensorSource> sources = new ArrayList<>();
            int total = weights.names().size();
            int[] done = {0};
            for (String name : weights.names()) {
                SafetensorsFile file = weights.file(name);
                TensorInfo info = weights.info(name);
                LoraPair pair = byTensor.get(name);
                DType target = outType != null && info.dtype().isFloatingPoint() ? outType : info.dtype();
                TensorSource src;
                if (pair == null && target == info.dtype()) {
                    src = TensorSource.copyOf(file, name);
                } else {
                    double scaling = pair == null ? 0 : adapter.scaling(pair.module());
                    src = new FoldedTensor(file, info, target, pair, scaling);
                }
                sources.add(counting(src, () -> {
                    done[0]++;
                    if (progress != null) progress.accept(done[0], total);
                }));
            }
            folded[0] = byTensor.size();
            AtomicFiles.writeDirectory(outDir, tmp -> {
                List<Path> files = SafetensorsWriter.writeSharded(tmp, Map.of("format", "pt"), sources, maxShardBytes);
                for (Path f : files) written.add(outDir.resolve(f.getFileName()));
                copyCompanions(modelDir, tmp, outType);
                // the prompt the adapter was trained on becomes the merged model's default; the record goes along
                // for the GGUF export, whose front ends pass the variables themselves
                trainedWith.bakeInto(tmp);
                if (!trainedWith.isEmpty()) trainedWith.write(tmp);
            });
        }
        return new Result(outDir, written, folded[0]);
    }

    /** Maps each adapter module to the checkpoint tensor it adapts, checking shapes. */
    static Map<String, LoraPair> resolve(Path adapterDir, AdapterFiles.Adapter adapter, SafetensorsModel weights) {
        Map<String, LoraPair> byTensor = new LinkedHashMap<>();
        for (LoraPair p : adapter.pairs().values()) {
            String tensor = null;
            for (String candidate : candidates(p.module())) {
                if (weights.contains(candidate + ".weight")) {
                    tensor = candidate + ".weight";
                    break;
                }
            }
            if (tensor == null) {
                throw new SmeltException(adapterDir.resolve(AdapterFiles.WEIGHTS) + ": module \"" + p.module()
                        + "\" has no weight \"" + p.module() + ".weight\" in the base model");
            }
            long[] shape = weights.info(tensor).shape();
            if (shape.length != 2 || shape[0] != p.out() || shape[1] != p.in()) {
                throw new SmeltException(adapterDir.resolve(AdapterFiles.WEIGHTS) + ": module \"" + p.module()
                        + "\" adapts [" + p.out() + ", " + p.in() + "] but the base weight " + tensor + " is "
                        + Arrays.toString(shape) + " (adapter made for another model?)");
            }
            byTensor.put(tensor, p);
        }
        return byTensor;
    }

    /**
     * Module paths to look for: the name itself, then the other Qwen3.5 spelling (a
     * {@code Qwen3_5ForConditionalGeneration} checkpoint nests the decoder under {@code model.language_model.},
     * an adapter trained on the text-only class names it {@code model.layers.}).
     */
    public static List<String> candidates(String module) {
        List<String> out = new ArrayList<>();
        out.add(module);
        if (module.startsWith("model.language_model.")) out.add("model." + module.substring("model.language_model.".length()));
        else if (module.startsWith("model.")) out.add("model.language_model." + module.substring("model.".length()));
        return out;
    }

    private static void copyCompanions(Path modelDir, Path outDir, DType outType) throws IOException {
        try (Stream<Path> s = Files.list(modelDir)) {
            for (Path p : s.toList()) {
                String n = p.getFileName().toString();
                if (!Files.isRegularFile(p) || n.startsWith(".") || isWeightFile(n)) continue;
                if (n.equals(ModelDirectory.CONFIG)) {
                    ObjectNode cfg = (ObjectNode) JSON.readTree(Files.readString(p));
                    if (outType != null) {
                        String name = switch (outType) {
                            case F16 -> "float16";
                            case BF16 -> "bfloat16";
                            default -> "float32";
                        };
                        cfg.put("torch_dtype", name);
                        if (cfg.has("dtype")) cfg.put("dtype", name);
                    }
                    AtomicFiles.writeString(outDir.resolve(n), JSON.writeValueAsString(cfg) + "\n");
                } else {
                    Files.copy(p, outDir.resolve(n), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    private static boolean isWeightFile(String n) {
        return n.endsWith(".safetensors") || n.endsWith(".bin") || n.endsWith(".pt") || n.endsWith(".pth")
                || n.endsWith(".gguf") || n.endsWith(".safetensors.index.json") || n.endsWith(".bin.index.json");
    }

    private static TensorSource counting(TensorSource s, Runnable after) {
        return new TensorSource() {
            public String name() { return s.name(); }
            public DType dtype() { return s.dtype(); }
            public long[] shape() { return s.shape(); }
            public void writeTo(WritableByteChannel out) throws IOException {
                s.writeTo(out);
                after.run();
            }
        };
    }

    /** A tensor converted to {@code target} and, when {@code pair} is set, with the adapter folded in. */
    private record FoldedTensor(SafetensorsFile file, TensorInfo info, DType target, LoraPair pair, double scaling)
            implements TensorSource {
        public String name() { return info.name(); }
        public DType dtype() { return target; }
        public long[] shape() { return info.shape(); }

        public void writeTo(WritableByteChannel out) throws IOException {
            long[] shape = info.shape();
            long rowLen = 1;
            for (int i = 1; i < shape.length; i++) rowLen *= shape[i];
            long rows = shape.length == 0 ? 1 : shape[0];
            long rowsPerBlock = Math.max(1, BLOCK_ELEMENTS / Math.max(1, rowLen));
            int inBytes = info.dtype().byteSize();
            for (long r0 = 0; r0 < rows; r0 += rowsPerBlock) {
                int n = (int) Math.min(rowsPerBlock, rows - r0);
                int count = Math.toIntExact(n * rowLen);
                ByteBuffer src = file.window(info.name(), r0 * rowLen * inBytes, (long) count * inBytes);
                float[] v = Floats.toFloats(src, info.dtype(), count);
                if (pair != null) pair.foldInto(v, (int) r0, n, scaling);
                ByteBuffer enc = encode(v, target);
                while (enc.hasRemaining()) out.write(enc);
            }
        }
    }

    static ByteBuffer encode(float[] v, DType t) {
        ByteBuffer b = ByteBuffer.allocate(v.length * t.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
        switch (t) {
            case F32 -> b.asFloatBuffer().put(v);
            case F16 -> { for (float f : v) b.putShort(Floats.floatToHalf(f)); }
            case BF16 -> { for (float f : v) b.putShort(Floats.floatToBf16(f)); }
            case F64 -> { for (float f : v) b.putDouble(f); }
            default -> throw new SmeltException("cannot write " + t + " tensors from floats");
        }
        b.position(0);
        b.limit(v.length * t.byteSize());
        return b;
    }
}
