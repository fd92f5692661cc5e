package dev.smelt.core.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.smelt.core.SmeltException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** generation_config.json: the model author's default decoding settings. Absent values are null. */
public record GenerationConfig(
        Integer bosTokenId,
        List<Integer> eosTokenIds,
        Integer padTokenId,
        Boolean doSample,
        Double temperature,
        Double topP,
        Integer topK,
        Double repetitionPenalty,
        Integer maxNewTokens) {

    public static final GenerationConfig EMPTY = new GenerationConfig(null, List.of(), null, null, null, null, null, null, null);

    public static GenerationConfig read(Path file) {
        if (!Files.isRegularFile(file)) return EMPTY;
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(Files.readString(file));
        } catch (IOException e) {
            throw new SmeltException(file + ": invalid JSON: " + e.getMessage().lines().findFirst().orElse(""), e);
        }
        ConfigFields f = new ConfigFields(file.toString(), root, "");
        return new GenerationConfig(
                f.optTokenId("bos_token_id"), List.copyOf(f.optTokenIds("eos_token_id")), f.optTokenId("pad_token_id"),
                f.has("do_sample") ? f.optBool("do_sample", false) : null,
                f.has("temperature") ? f.optDouble("temperature", 1) : null,
                f.has("top_p") ? f.optDouble("top_p", 1) : null,
                f.has("top_k") ? root.get("top_k").asInt() : null,
                f.has("repetition_penalty") ? f.optDouble("repetition_penalty", 1) : null,
                f.has("max_new_tokens") ? root.get("max_new_tokens").asInt() : null);
    }
}
