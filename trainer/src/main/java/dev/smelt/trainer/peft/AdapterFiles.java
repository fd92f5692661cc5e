package dev.smelt.trainer.peft;

import dev.smelt.core.SmeltException;
import dev.smelt.core.chat.ChatTemplateKwargs;
import dev.smelt.core.safetensors.SafetensorsFile;
import dev.smelt.core.safetensors.SafetensorsWriter;
import dev.smelt.core.safetensors.TensorInfo;
import dev.smelt.core.safetensors.TensorSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes PEFT adapter directories (adapter_config.json + adapter_model.safetensors, plus Smelt's
 * chat_template_kwargs.json when training decided template variables; PEFT ignores that file).
 */
public final class AdapterFiles {
    public static final String WEIGHTS = "adapter_model.safetensors";

    private AdapterFiles() {}

    /** An adapter as loaded: its config and one pair of factors per module, in file order. */
    public record Adapter(AdapterConfig config, Map<String, LoraPair> pairs) {
        public double scaling(String module) {
            return config.scalingFor(module, pairs.get(module).rank());
        }
    }

    /** Writes config and weights into {@code dir} (created if needed); each file atomically. */
    public static void write(Path dir, AdapterConfig config, List<LoraPair> pairs) throws IOException {
        Files.createDirectories(dir);
        List<TensorSource> tensors = new ArrayList<>();
        for (LoraPair p : pairs) {
            tensors.add(TensorSource.ofFloats(PeftKeys.loraA(p.module()), new long[] {p.rank(), p.in()}, p.a()));
            tensors.add(TensorSource.ofFloats(PeftKeys.loraB(p.module()), new long[] {p.out(), p.rank()}, p.b()));
        }
        SafetensorsWriter.write(dir.resolve(WEIGHTS), Map.of("format", "pt"), tensors);
        config.write(dir);
    }

    /**
     * Writes config and weights, and the chat template variables the adapter was trained with ({@link
     * ChatTemplateKwargs#FILE}, removed when there are none, so a reused directory holds no stale record).
     */
    public static void write(Path dir, AdapterConfig config, List<LoraPair> pairs, ChatTemplateKwargs chatTemplateKwargs)
            throws IOException {
        write(dir, config, pairs);
        if (chatTemplateKwargs.isEmpty()) Files.deleteIfExists(dir.resolve(ChatTemplateKwargs.FILE));
        else chatTemplateKwargs.write(dir);
    }

    public static Adapter read(Path dir) {
        if (!Files.isDirectory(dir)) throw new SmeltException(dir + ": not a directory (expected a PEFT adapter directory)");
        AdapterConfig config = AdapterConfig.read(dir);
        Path file = dir.resolve(WEIGHTS);
        if (!Files.isRegularFile(file)) {
            if (Files.isRegularFile(dir.resolve("adapter_model.bin"))) {
                throw new SmeltException(dir.resolve("adapter_model.bin") + ": pickled PyTorch adapters are not read; "
                        + "save the adapter with safe_serialization=True (adapter_model.safetensors)");
            }
            throw new SmeltException(file + ": no such file (an adapter directory needs adapter_model.safetensors)");
        }
        Map<String, float[]> as = new LinkedHashMap<>();
        Map<String, float[]> bs = new LinkedHashMap<>();
        Map<String, long[]> aShape = new LinkedHashMap<>();
        Map<String, long[]> bShape = new LinkedHashMap<>();
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            for (TensorInfo t : f.tensors().values()) {
                PeftKeys.Key k = PeftKeys.parse(t.name());
                if (k == null) {
                    throw new SmeltException(file + ": tensor \"" + t.name() + "\" is not a LoRA factor "
                            + "(expected names ending in lora_A.weight / lora_B.weight)");
                }
                if (t.shape().length != 2) {
                    throw new SmeltException(file + ": tensor \"" + t.name() + "\" has shape " + t.shapeString() + ", expected 2-D");
                }
                (k.isA() ? as : bs).put(k.module(), f.floats(t.name()));
                (k.isA() ? aShape : bShape).put(k.module(), t.shape());
            }
        }
        Map<String, LoraPair> pairs = new LinkedHashMap<>();
        for (String m : as.keySet()) {
            if (!bs.containsKey(m)) throw new SmeltException(file + ": module \"" + m + "\" has lora_A but no lora_B");
            long[] sa = aShape.get(m);
            long[] sb = bShape.get(m);
            if (sb[1] != sa[0]) {
                throw new SmeltException(file + ": module \"" + m + "\": lora_A " + Arrays.toString(sa)
                        + " and lora_B " + Arrays.toString(sb) + " disagree on the rank");
            }
            pairs.put(m, new LoraPair(m, (int) sa[0], (int) sa[1], (int) sb[0], as.get(m), bs.get(m)));
        }
        for (String m : bs.keySet()) {
            if (!as.containsKey(m)) throw new SmeltException(file + ": module \"" + m + "\" has lora_B but no lora_A");
        }
        if (pairs.isEmpty()) throw new SmeltException(file + ": holds no LoRA tensors");
        return new Adapter(config, pairs);
    }
}
