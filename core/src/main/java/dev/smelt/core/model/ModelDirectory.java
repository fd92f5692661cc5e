package dev.smelt.core.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.smelt.core.SmeltException;
import dev.smelt.core.safetensors.SafetensorsModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A Hugging Face model directory: config.json, *.safetensors (single or sharded), tokenizer.json,
 * tokenizer_config.json, generation_config.json. The common currency between Smelt's stages.
 */
public final class ModelDirectory {
    public static final String CONFIG = "config.json";
    public static final String TOKENIZER = "tokenizer.json";
    public static final String TOKENIZER_CONFIG = "tokenizer_config.json";
    public static final String GENERATION_CONFIG = "generation_config.json";

    private final Path dir;
    private final ModelConfig config;

    private ModelDirectory(Path dir, ModelConfig config) {
        this.dir = dir;
        this.config = config;
    }

    public static ModelDirectory open(Path dir) {
        if (!Files.isDirectory(dir)) throw new SmeltException(dir + ": not a directory (expected a Hugging Face model directory)");
        return new ModelDirectory(dir, ModelConfig.parse(dir.resolve(CONFIG)));
    }

    public Path path() {
        return dir;
    }

    public ModelConfig config() {
        return config;
    }

    /** Opens the weights (memory-mapped; close when done). */
    public SafetensorsModel weights() {
        return SafetensorsModel.open(dir);
    }

    public boolean hasWeights() {
        try (var s = Files.list(dir)) {
            return s.anyMatch(p -> p.getFileName().toString().endsWith(".safetensors"));
        } catch (IOException e) {
            return false;
        }
    }

    public Path tokenizerJson() {
        Path p = dir.resolve(TOKENIZER);
        if (!Files.isRegularFile(p)) throw new SmeltException(p + ": no such file (the model directory needs a tokenizer.json)");
        return p;
    }

    /** tokenizer_config.json, or an empty object when the file is absent. */
    public JsonNode tokenizerConfig() {
        Path p = dir.resolve(TOKENIZER_CONFIG);
        if (!Files.isRegularFile(p)) return JsonNodeFactory.instance.objectNode();
        try {
            return new ObjectMapper().readTree(Files.readString(p));
        } catch (IOException e) {
            throw new SmeltException(p + ": invalid JSON: " + e.getMessage().lines().findFirst().orElse(""), e);
        }
    }

    public GenerationConfig generationConfig() {
        return GenerationConfig.read(dir.resolve(GENERATION_CONFIG));
    }

    /** EOS ids from generation_config.json and config.json together (generation config first). */
    public List<Integer> eosTokenIds() {
        Set<Integer> ids = new LinkedHashSet<>(generationConfig().eosTokenIds());
        ids.addAll(config.eosTokenIds());
        return List.copyOf(ids);
    }
}
