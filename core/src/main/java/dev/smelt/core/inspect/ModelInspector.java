package dev.smelt.core.inspect;

import dev.smelt.core.SmeltException;
import dev.smelt.core.model.ModelConfig;
import dev.smelt.core.model.ModelDirectory;
import dev.smelt.core.model.Qwen35Config;
import dev.smelt.core.model.Qwen35VisionTower;
import dev.smelt.core.model.TensorSpec;
import dev.smelt.core.safetensors.SafetensorsModel;
import dev.smelt.core.safetensors.TensorInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Builds {@link Inspection}s for HF model directories, safetensors files and bare config.json files. */
public final class ModelInspector {
    private ModelInspector() {}

    public static Inspection inspectSafetensors(Path path) {
        try (SafetensorsModel m = SafetensorsModel.open(path)) {
            List<TensorRow> rows = rows(m);
            Map<String, Object> extra = new LinkedHashMap<>();
            if (!m.metadata().isEmpty()) extra.put("metadata", m.metadata());
            return new Inspection(path.toString(), "safetensors", null, sum(rows), null, m.totalBytes(), rows,
                    List.of(), List.of(), extra);
        }
    }

    public static Inspection inspectDirectory(Path dir) {
        ModelDirectory md = ModelDirectory.open(dir);
        ModelConfig config = md.config();
        if (!md.hasWeights()) return inspectConfig(dir.resolve(ModelDirectory.CONFIG), config);
        try (SafetensorsModel m = md.weights()) {
            List<TensorRow> rows = rows(m);
            Map<String, long[]> present = new LinkedHashMap<>();
            for (TensorRow r : rows) present.put(r.name(), r.shape());
            List<String> missing = new ArrayList<>();
            for (TensorSpec spec : config.tensorSpecs()) {
                long[] shape = present.get(spec.name());
                if (shape == null) missing.add(spec.name());
                else if (!Arrays.equals(shape, spec.shape())) {
                    throw new SmeltException(dir + ": tensor " + spec.name() + " has shape " + Arrays.toString(shape)
                            + " but config.json implies " + Arrays.toString(spec.shape()));
                }
            }
            Set<String> expected = new LinkedHashSet<>();
            config.tensorSpecs().forEach(s -> expected.add(s.name()));
            Set<String> carried = carriedTensors(dir, config);
            List<String> unexpected = rows.stream().map(TensorRow::name)
                    .filter(n -> !expected.contains(n) && !carried.contains(n)).toList();
            Map<String, Object> extra = new LinkedHashMap<>();
            extra.put("config", configSummary(config));
            long carriedParams = rows.stream().filter(r -> carried.contains(r.name())).mapToLong(TensorRow::numElements).sum();
            if (carriedParams > 0) extra.put("carried_parameters", carriedParams);
            return new Inspection(dir.toString(), "hf-directory", config.architecture().modelType(), sum(rows),
                    config.parameterCount(), m.totalBytes(), rows, missing, unexpected, extra);
        }
    }

    /** Parameter counts from config.json alone (no weights needed). */
    public static Inspection inspectConfig(Path configJson, ModelConfig config) {
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("config", configSummary(config));
        long total = config.parameterCount();
        extra.put("language_model_parameters", config.parameterCount());
        if (config instanceof Qwen35Config q) {
            long mtp = q.mtpTensorSpecs().stream().mapToLong(TensorSpec::numElements).sum();
            extra.put("mtp_parameters", mtp);
            total += mtp;
            if (q.visionConfig() != null) {
                long vision = Qwen35VisionTower.fromJson(configJson.toString(), q.visionConfig()).tensorSpecs().stream()
                        .mapToLong(TensorSpec::numElements).sum();
                extra.put("vision_parameters", vision);
                total += vision;
            }
        }
        List<TensorRow> rows = config.tensorSpecs().stream()
                .map(s -> new TensorRow(s.name(), s.shape(), "-", 0)).toList();
        return new Inspection(configJson.toString(), "config", config.architecture().modelType(), total,
                config.parameterCount(), 0, rows, List.of(), List.of(), extra);
    }

    public static Inspection inspectConfig(Path configJson) {
        Path file = Files.isDirectory(configJson) ? configJson.resolve(ModelDirectory.CONFIG) : configJson;
        return inspectConfig(file, ModelConfig.parse(file));
    }

    /** Tensors the architecture does not run but carries through (Qwen3.5 vision tower and MTP head). */
    private static Set<String> carriedTensors(Path dir, ModelConfig config) {
        Set<String> out = new LinkedHashSet<>();
        if (config instanceof Qwen35Config q) {
            q.mtpTensorSpecs().forEach(s -> out.add(s.name()));
            if (q.visionConfig() != null) {
                Qwen35VisionTower.fromJson(dir.resolve(ModelDirectory.CONFIG).toString(), q.visionConfig())
                        .tensorSpecs().forEach(s -> out.add(s.name()));
            }
        }
        return out;
    }

    private static Map<String, Object> configSummary(ModelConfig c) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("vocab_size", c.vocabSize());
        s.put("hidden_size", c.hiddenSize());
        s.put("num_hidden_layers", c.numLayers());
        s.put("max_position_embeddings", c.maxPositionEmbeddings());
        s.put("tie_word_embeddings", c.tieWordEmbeddings());
        return s;
    }

    private static List<TensorRow> rows(SafetensorsModel m) {
        List<TensorRow> rows = new ArrayList<>();
        for (String name : m.names()) {
            TensorInfo t = m.info(name);
            rows.add(new TensorRow(name, t.shape(), t.dtype().name(), t.byteSize()));
        }
        return rows;
    }

    private static long sum(List<TensorRow> rows) {
        long n = 0;
        for (TensorRow r : rows) n += r.numElements();
        return n;
    }
}
