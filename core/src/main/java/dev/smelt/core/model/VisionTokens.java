package dev.smelt.core.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The special token ids a Qwen3.5 multimodal config names at its top level: {@code image_token_id}
 * ({@code <|image_pad|>}, replaced by the image's embeddings), {@code video_token_id}, and
 * {@code vision_start_token_id} / {@code vision_end_token_id} around each image. Defaults are the released
 * checkpoints' ids; always read from config.json (Qwen3 tokenizers use other ids).
 */
public record VisionTokens(int imageTokenId, int videoTokenId, int visionStartTokenId, int visionEndTokenId) {

    static VisionTokens parse(String file, JsonNode root) {
        ConfigFields f = new ConfigFields(file, root, "");
        return new VisionTokens(f.optInt("image_token_id", 248056), f.optInt("video_token_id", 248057),
                f.optInt("vision_start_token_id", 248053), f.optInt("vision_end_token_id", 248054));
    }

    void writeTo(ObjectNode o) {
        o.put("image_token_id", imageTokenId);
        o.put("video_token_id", videoTokenId);
        o.put("vision_start_token_id", visionStartTokenId);
        o.put("vision_end_token_id", visionEndTokenId);
    }
}
