package dev.smelt.core.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.smelt.core.SmeltException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * Typed view of a Hugging Face {@code config.json}. One record per family: {@link DenseConfig} for the
 * Llama-style decoders (llama, qwen2, qwen3) and {@link Qwen35Config} for the Qwen3.5 hybrid.
 */
public sealed interface ModelConfig permits DenseConfig, Qwen35Config {

    Architecture architecture();

    int vocabSize();

    int hiddenSize();

    int numLayers();

    int maxPositionEmbeddings();

    boolean tieWordEmbeddings();

    /** End-of-sequence ids declared in config.json (generation_config.json may add more). */
    List<Integer> eosTokenIds();

    Integer bosTokenId();

    /** Every language-model tensor the architecture expects, in HF names and shapes, in a stable order. */
    List<TensorSpec> tensorSpecs();

    /** The config.json document for this configuration (what create-tiny and merge write). */
    ObjectNode toJson();

    /** Parameters of the language model (embeddings counted once when tied). */
    default long parameterCount() {
        long n = 0;
        for (TensorSpec t : tensorSpecs()) n += t.numElements();
        return n;
    }

    static ModelConfig parse(Path configJson) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(Files.readString(configJson));
        } catch (NoSuchFileException e) {
            throw new SmeltException(configJson + ": no such file (a Hugging Face model directory needs config.json)");
        } catch (IOException e) {
            throw new SmeltException(configJson + ": invalid JSON: " + e.getMessage().lines().findFirst().orElse(""), e);
        }
        return parse(configJson.toString(), root);
    }

    static ModelConfig parse(String file, JsonNode root) {
        if (root == null || !root.isObject()) throw new SmeltException(file + ": expected a JSON object");
        JsonNode mt = root.get("model_type");
        if (mt == null || !mt.isTextual()) throw new SmeltException(file + ": missing field \"model_type\"");
        Architecture arch = Architecture.fromModelType(mt.asText());
        return switch (arch) {
            case LLAMA, QWEN2, QWEN3 -> DenseConfig.parse(file, arch, root);
            case QWEN3_5 -> Qwen35Config.parse(file, root);
        };
    }
}
