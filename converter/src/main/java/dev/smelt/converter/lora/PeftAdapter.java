package dev.smelt.converter.lora;

import dev.smelt.core.SmeltException;
import dev.smelt.core.safetensors.SafetensorsFile;
import dev.smelt.core.safetensors.TensorInfo;
import java.io.Closeable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A PEFT LoRA adapter directory, its weights memory-mapped: one {@link Module} per adapted linear layer, keyed by
 * module path ({@code model.layers.0.self_attn.q_proj}), in file order. Tensor names are PEFT's
 * {@code base_model.model.<module>.lora_A.weight} ({@code lora_A.default.weight} from older PEFT versions).
 */
public final class PeftAdapter implements Closeable {
    public static final String WEIGHTS = "adapter_model.safetensors";
    private static final String PREFIX = "base_model.model.";

    /** One module's factors: A is {@code [rank, in]}, B is {@code [out, rank]}, as PEFT stores them. */
    public record Module(String name, TensorInfo a, TensorInfo b) {
        public int rank() {
            return (int) a.shape()[0];
        }

        public int in() {
            return (int) a.shape()[1];
        }

        public int out() {
            return (int) b.shape()[0];
        }
    }

    private final Path dir;
    private final PeftConfig config;
    private final SafetensorsFile file;
    private final Map<String, Module> modules;

    private PeftAdapter(Path dir, PeftConfig config, SafetensorsFile file, Map<String, Module> modules) {
        this.dir = dir;
        this.config = config;
        this.file = file;
        this.modules = Collections.unmodifiableMap(modules);
    }

    public static PeftAdapter open(Path dir) {
        if (!Files.isDirectory(dir)) throw new SmeltException(dir + ": not a directory (expected a PEFT adapter directory)");
        PeftConfig config = PeftConfig.read(dir);
        Path path = dir.resolve(WEIGHTS);
        if (!Files.isRegularFile(path)) {
            if (Files.isRegularFile(dir.resolve("adapter_model.bin"))) {
                throw new SmeltException(dir.resolve("adapter_model.bin") + ": pickled PyTorch adapters are not read; "
                        + "save the adapter with safe_serialization=True (adapter_model.safetensors)");
            }
            throw new SmeltException(path + ": no such file (an adapter directory needs " + WEIGHTS + ")");
        }
        SafetensorsFile file = SafetensorsFile.open(path);
        try {
            return new PeftAdapter(dir, config, file, modules(path, file));
        } catch (RuntimeException e) {
            file.close();
            throw e;
        }
    }

    private static Map<String, Module> modules(Path path, SafetensorsFile file) {
        Map<String, TensorInfo> as = new LinkedHashMap<>();
        Map<String, TensorInfo> bs = new LinkedHashMap<>();
        for (TensorInfo t : file.tensors().values()) {
            String k = t.name().startsWith(PREFIX) ? t.name().substring(PREFIX.length()) : t.name();
            String module = strip(k, ".lora_A.weight", ".lora_A.default.weight");
            boolean isA = module != null;
            if (module == null) module = strip(k, ".lora_B.weight", ".lora_B.default.weight");
            if (module == null) {
                throw new SmeltException(path + ": tensor \"" + t.name() + "\" is not a LoRA factor of a linear layer "
                        + "(expected names ending in lora_A.weight / lora_B.weight)");
            }
            if (t.shape().length != 2) {
                throw new SmeltException(path + ": tensor \"" + t.name() + "\" has shape " + t.shapeString() + ", expected 2-D");
            }
            (isA ? as : bs).put(module, t);
        }
        Map<String, Module> out = new LinkedHashMap<>();
        for (Map.Entry<String, TensorInfo> e : as.entrySet()) {
            TensorInfo b = bs.get(e.getKey());
            if (b == null) throw new SmeltException(path + ": module \"" + e.getKey() + "\" has lora_A but no lora_B");
            if (b.shape()[1] != e.getValue().shape()[0]) {
                throw new SmeltException(path + ": module \"" + e.getKey() + "\": lora_A " + Arrays.toString(e.getValue().shape())
                        + " and lora_B " + Arrays.toString(b.shape()) + " disagree on the rank");
            }
            out.put(e.getKey(), new Module(e.getKey(), e.getValue(), b));
        }
        for (String m : bs.keySet()) {
            if (!as.containsKey(m)) throw new SmeltException(path + ": module \"" + m + "\" has lora_B but no lora_A");
        }
        if (out.isEmpty()) throw new SmeltException(path + ": holds no LoRA tensors");
        return out;
    }

    private static String strip(String key, String... suffixes) {
        for (String s : suffixes) {
            if (key.endsWith(s)) return key.substring(0, key.length() - s.length());
        }
        return null;
    }

    public Path dir() {
        return dir;
    }

    public Path weightsPath() {
        return file.path();
    }

    public PeftConfig config() {
        return config;
    }

    /** The memory-mapped {@code adapter_model.safetensors}. */
    public SafetensorsFile file() {
        return file;
    }

    public Map<String, Module> modules() {
        return modules;
    }

    /** B·A's scaling for a module. */
    public double scaling(Module m) {
        return config.scaling(m.name(), m.rank());
    }

    @Override
    public void close() {
        file.close();
    }
}
