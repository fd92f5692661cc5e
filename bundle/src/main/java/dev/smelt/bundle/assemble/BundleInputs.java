package dev.smelt.bundle.assemble;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.smelt.bundle.card.DatasetInfo;
import dev.smelt.bundle.card.EdgeTier;
import dev.smelt.bundle.license.FrontMatter;
import dev.smelt.bundle.license.LicenseDetector;
import dev.smelt.converter.gguf.GgufReader;
import dev.smelt.converter.gguf.GgufTensorInfo;
import dev.smelt.converter.gguf.vocab.GgufKeys;
import dev.smelt.converter.hf.OutputType;
import dev.smelt.core.SmeltException;
import dev.smelt.core.model.ModelDirectory;
import dev.smelt.quantizer.plan.RuntimeMemory;
import dev.smelt.hub.SnapshotPath;
import dev.smelt.quantizer.mix.QuantMix;
import java.io.IOException;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/** Reads what the bundle's inputs say about themselves. */
final class BundleInputs {
    static final String ADAPTER_CONFIG = "adapter_config.json";
    /** What the trainer writes beside the adapter; these go to {@code metrics/}, not {@code adapter/}. */
    static final List<String> TRAINING_METRICS = List.of("metrics.jsonl", "loss.png", "trainer_state.json");
    private static final ObjectMapper JSON = new ObjectMapper();

    private BundleInputs() {}

    /** The directory whose card decides the licence. */
    static Path baseDir(BundleRequest r) {
        if (r.base() != null) return requireDir(r.base(), "--base");
        if (r.model() != null) return r.model();
        if (r.adapter() != null) {
            String base = adapterConfig(r.adapter()).path("base_model_name_or_path").asText("");
            if (!base.isEmpty() && Files.isDirectory(r.adapter().resolve(base))) return r.adapter().resolve(base);
        }
        throw new SmeltException("the base model's licence decides the bundle's: give --model DIR or --base DIR"
                + " (the adapter's base_model_name_or_path is not a local directory)");
    }

    static Path requireDir(Path dir, String flag) {
        if (!Files.isDirectory(dir)) throw new SmeltException(flag + " " + dir + ": not a directory");
        return dir;
    }

    /** {@code org/name} and commit of a Hub cache snapshot folder, if it is one (links resolved first). */
    static Optional<String[]> hubSnapshot(Path dir) {
        Path real;
        try {
            real = dir.toRealPath();
        } catch (IOException e) {
            real = dir;
        }
        return SnapshotPath.parse(real).or(() -> SnapshotPath.parse(dir)).filter(SnapshotPath::isSnapshotRoot)
                .map(s -> new String[] {s.repo().value(), s.commit()});
    }

    static List<String> baseModels(BundleRequest r, Path baseDir) {
        Optional<String[]> hub = hubSnapshot(baseDir);
        if (hub.isPresent()) return List.of(hub.get()[0]);
        if (r.adapter() != null) {
            String base = adapterConfig(r.adapter()).path("base_model_name_or_path").asText("");
            if (base.matches("[\\w.-]+/[\\w.-]+") && !Files.exists(r.adapter().resolve(base))) return List.of(base);
        }
        List<String> fromCard = FrontMatter.read(baseDir.resolve("README.md")).strings("base_model");
        if (!fromCard.isEmpty() && r.base() == null) return fromCard;
        return List.of(baseDir.toAbsolutePath().normalize().getFileName().toString());
    }

    static String revision(Path baseDir) {
        return hubSnapshot(baseDir).map(s -> s[1]).orElse(null);
    }

    static List<DatasetInfo> datasets(List<Path> cards) {
        List<DatasetInfo> out = new ArrayList<>();
        for (Path dir : cards) {
            requireDir(dir, "--dataset-card");
            String id = hubSnapshot(dir).map(s -> s[0]).orElseGet(() -> {
                String pretty = FrontMatter.read(dir.resolve("README.md")).string("pretty_name");
                return pretty != null ? pretty : dir.toAbsolutePath().normalize().getFileName().toString();
            });
            out.add(new DatasetInfo(id, LicenseDetector.detect(dir).map(LicenseDetector.Found::id).orElse("unknown")));
        }
        return out;
    }

    static List<String> languages(BundleRequest r, Path baseDir) {
        if (!r.languages().isEmpty()) return r.languages();
        return FrontMatter.read(baseDir.resolve("README.md")).strings("language");
    }

    /** The chat template from the first of the directories that has one (tokenizer_config.json or chat_template.jinja). */
    static String chatTemplate(Path... dirs) {
        for (Path dir : dirs) {
            if (dir == null) continue;
            Path jinja = dir.resolve("chat_template.jinja");
            try {
                if (Files.isRegularFile(jinja)) return Files.readString(jinja);
                Path tc = dir.resolve("tokenizer_config.json");
                if (Files.isRegularFile(tc)) {
                    JsonNode t = JSON.readTree(tc.toFile()).path("chat_template");
                    if (t.isTextual()) return t.asText();
                }
            } catch (IOException e) {
                throw new SmeltException(dir + ": cannot read the chat template (" + e.getMessage() + ")");
            }
        }
        return null;
    }

    static JsonNode adapterConfig(Path adapter) {
        Path f = adapter.resolve(ADAPTER_CONFIG);
        if (!Files.isRegularFile(f)) throw new SmeltException("--adapter " + adapter + ": no " + ADAPTER_CONFIG);
        try {
            return JSON.readTree(f.toFile());
        } catch (IOException e) {
            throw new SmeltException(f + ": invalid JSON (" + e.getMessage().lines().findFirst().orElse("") + ")");
        }
    }

    static Map<String, String> hyperParameters(Path adapter) {
        Map<String, String> out = new LinkedHashMap<>();
        if (adapter == null) return out;
        JsonNode c = adapterConfig(adapter);
        for (String k : List.of("peft_type", "r", "lora_alpha", "lora_dropout", "target_modules")) {
            JsonNode v = c.get(k);
            if (v != null && !v.isNull()) out.put(k, v.isArray() ? join(v) : v.asText());
        }
        Path state = adapter.resolve("trainer_state.json");
        if (Files.isRegularFile(state)) {
            try {
                JSON.readTree(state.toFile()).path("config").fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
            } catch (IOException e) {
                throw new SmeltException(state + ": invalid JSON (" + e.getMessage().lines().findFirst().orElse("") + ")");
            }
        }
        return out;
    }

    private static String join(JsonNode arr) {
        List<String> s = new ArrayList<>();
        arr.forEach(e -> s.add(e.asText()));
        return String.join(", ", s);
    }

    /** The last training loss and the last evaluation loss recorded in metrics.jsonl. */
    static Map<String, String> evaluation(Path adapter) {
        Map<String, String> out = new LinkedHashMap<>();
        if (adapter == null) return out;
        Path metrics = adapter.resolve("metrics.jsonl");
        if (!Files.isRegularFile(metrics)) return out;
        JsonNode lastTrain = null;
        JsonNode lastEval = null;
        try (Stream<String> lines = Files.lines(metrics)) {
            int n = 0;
            for (String line : (Iterable<String>) lines::iterator) {
                n++;
                if (line.isBlank()) continue;
                JsonNode o;
                try {
                    o = JSON.readTree(line);
                } catch (IOException e) {
                    throw new SmeltException(metrics + " line " + n + ": not JSON");
                }
                if (o.has("eval_loss")) lastEval = o;
                else if (o.has("loss")) lastTrain = o;
            }
        } catch (IOException e) {
            throw new SmeltException(metrics + ": cannot read (" + e.getMessage() + ")");
        }
        if (lastTrain != null) {
            out.put("final training loss", String.format(Locale.ROOT, "%.4f (step %d)", lastTrain.path("loss").asDouble(), lastTrain.path("step").asInt()));
        }
        if (lastEval != null) {
            out.put("eval loss", String.format(Locale.ROOT, "%.4f (step %d)", lastEval.path("eval_loss").asDouble(), lastEval.path("step").asInt()));
            out.put("eval perplexity", String.format(Locale.ROOT, "%.3f", lastEval.path("eval_ppl").asDouble()));
        }
        return out;
    }

    /** The file type a GGUF holds: its {@code general.file_type} name, else its largest tensor's type. */
    static String ggufType(GgufReader r) {
        Optional<Long> ft = r.integer(GgufKeys.General.FILE_TYPE);
        if (ft.isPresent()) {
            int v = (int) (long) ft.get();
            for (OutputType t : OutputType.values()) if (t.fileType() == v) return t.name();
            for (QuantMix m : QuantMix.values()) if (m.fileType() == v) return m.name();
        }
        return r.tensors().stream().max(Comparator.comparingLong(GgufTensorInfo::byteSize))
                .map(t -> t.type().name()).orElse("EMPTY");
    }

    /** llama.cpp's memory besides the weights at {@link EdgeTier#CONTEXT} tokens, from the first config.json found; -1 if none. */
    static long runtimeBytes(Path... dirs) {
        for (Path dir : dirs) {
            if (dir == null || !Files.isRegularFile(dir.resolve("config.json"))) continue;
            return RuntimeMemory.of(ModelDirectory.open(dir).config(), EdgeTier.CONTEXT).totalBytes();
        }
        return -1;
    }

    /** Regular files under {@code dir} (following links, as in a Hub snapshot), as sorted {@code /}-separated paths. */
    static List<String> files(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir, FileVisitOption.FOLLOW_LINKS)) {
            return s.filter(Files::isRegularFile)
                    .map(p -> dir.relativize(p).toString().replace('\\', '/'))
                    .filter(p -> !p.startsWith(".git/") && !p.startsWith(".cache/"))
                    .sorted().toList();
        }
    }

    /** SOURCE_DATE_EPOCH when set, else the newest mtime among the inputs (whole seconds). */
    static Instant mtime(BundleRequest r, List<Path> inputs) throws IOException {
        if (r.mtime() != null) return r.mtime();
        String env = System.getenv("SOURCE_DATE_EPOCH");
        if (env != null && !env.isBlank()) {
            try {
                return Instant.ofEpochSecond(Long.parseLong(env.strip()));
            } catch (NumberFormatException e) {
                throw new SmeltException("SOURCE_DATE_EPOCH '" + env + "': expected whole seconds since 1970");
            }
        }
        long newest = 0;
        for (Path p : inputs) newest = Math.max(newest, Files.getLastModifiedTime(p).toMillis());
        return Instant.ofEpochSecond(newest / 1000);
    }
}
