package dev.smelt.core.model;

import com.fasterxml.jackson.databind.JsonNode;
import dev.smelt.core.SmeltException;
import java.util.ArrayList;
import java.util.List;

/**
 * The tensors of the Qwen3.5 vision tower ({@code model.visual.*}, the Qwen3-VL vision transformer without
 * deepstack mergers), derived from {@code vision_config}. Smelt carries these tensors through conversion and
 * merging untouched and never runs them; the list exists so that counts and completeness checks are exact.
 *
 * <p>Structure: a Conv3d patch embedding (with bias) over (temporal_patch, patch, patch) pixels of
 * {@code in_channels}; a learned position table; {@code depth} pre-norm blocks (LayerNorm with bias, fused qkv
 * and proj with bias, a two-layer MLP with bias); a patch merger (LayerNorm over the block width, then two
 * linears over the spatial_merge² concatenated patches, the last projecting to {@code out_hidden_size}).
 */
public record Qwen35VisionTower(
        int depth, int hiddenSize, int intermediateSize, int inChannels, int patchSize, int temporalPatchSize,
        int spatialMergeSize, int numPositionEmbeddings, int outHiddenSize, int numHeads, String hiddenAct,
        double ropeTheta) {

    public static final String PREFIX = "model.visual.";

    /** Reads {@code vision_config}; {@code file} names the config in error messages. */
    public static Qwen35VisionTower fromJson(String file, JsonNode v) {
        if (v == null || !v.isObject()) throw new SmeltException(file + ": vision_config must be an object");
        return new Qwen35VisionTower(
                req(file, v, "depth"), req(file, v, "hidden_size"), req(file, v, "intermediate_size"),
                opt(v, "in_channels", 3), opt(v, "patch_size", 16), opt(v, "temporal_patch_size", 2),
                opt(v, "spatial_merge_size", 2), opt(v, "num_position_embeddings", 2304), req(file, v, "out_hidden_size"),
                opt(v, "num_heads", 16), v.hasNonNull("hidden_act") ? v.get("hidden_act").asText() : "gelu_pytorch_tanh",
                ropeTheta(v));
    }

    private static double ropeTheta(JsonNode v) {
        JsonNode r = v.get("rope_parameters");
        if (r != null && r.hasNonNull("rope_theta")) return r.get("rope_theta").asDouble();
        return v.hasNonNull("rope_theta") ? v.get("rope_theta").asDouble() : 10_000.0;
    }

    /** Channels per attention head. */
    public int headDim() {
        return hiddenSize / numHeads;
    }

    /** Side of the square learned position grid ({@code sqrt(num_position_embeddings)}). */
    public int positionGridSide() {
        return (int) Math.round(Math.sqrt(numPositionEmbeddings));
    }

    /** Checks what the encoder relies on; {@code file} names the config in error messages. */
    public Qwen35VisionTower validate(String file) {
        if (numHeads <= 0 || hiddenSize % numHeads != 0 || headDim() % 4 != 0) {
            throw new SmeltException(file + ": vision_config.hidden_size " + hiddenSize + " / num_heads " + numHeads
                    + " must give a head_dim divisible by 4 (2D rotary)");
        }
        int side = positionGridSide();
        if (side * side != numPositionEmbeddings) {
            throw new SmeltException(file + ": vision_config.num_position_embeddings " + numPositionEmbeddings
                    + " must be a square (a learned side x side grid)");
        }
        if (inChannels != 3) throw new SmeltException(file + ": vision_config.in_channels must be 3, got " + inChannels);
        if (!hiddenAct.equals("gelu_pytorch_tanh") && !hiddenAct.equals("gelu")) {
            throw new SmeltException(file + ": vision_config.hidden_act \"" + hiddenAct
                    + "\" is not supported (expected gelu_pytorch_tanh or gelu)");
        }
        return this;
    }

    public List<TensorSpec> tensorSpecs() {
        List<TensorSpec> out = new ArrayList<>();
        long h = hiddenSize, i = intermediateSize;
        out.add(spec("patch_embed.proj.weight", h, inChannels, temporalPatchSize, patchSize, patchSize));
        out.add(spec("patch_embed.proj.bias", h));
        out.add(spec("pos_embed.weight", numPositionEmbeddings, h));
        for (int b = 0; b < depth; b++) {
            String p = "blocks." + b + ".";
            out.add(spec(p + "norm1.weight", h));
            out.add(spec(p + "norm1.bias", h));
            out.add(spec(p + "norm2.weight", h));
            out.add(spec(p + "norm2.bias", h));
            out.add(spec(p + "attn.qkv.weight", 3 * h, h));
            out.add(spec(p + "attn.qkv.bias", 3 * h));
            out.add(spec(p + "attn.proj.weight", h, h));
            out.add(spec(p + "attn.proj.bias", h));
            out.add(spec(p + "mlp.linear_fc1.weight", i, h));
            out.add(spec(p + "mlp.linear_fc1.bias", i));
            out.add(spec(p + "mlp.linear_fc2.weight", h, i));
            out.add(spec(p + "mlp.linear_fc2.bias", h));
        }
        long merged = h * spatialMergeSize * spatialMergeSize;
        out.add(spec("merger.norm.weight", h));
        out.add(spec("merger.norm.bias", h));
        out.add(spec("merger.linear_fc1.weight", merged, merged));
        out.add(spec("merger.linear_fc1.bias", merged));
        out.add(spec("merger.linear_fc2.weight", outHiddenSize, merged));
        out.add(spec("merger.linear_fc2.bias", outHiddenSize));
        return out;
    }

    private static TensorSpec spec(String name, long... shape) {
        return new TensorSpec(PREFIX + name, shape);
    }

    private static int req(String file, JsonNode v, String field) {
        JsonNode n = v.get(field);
        if (n == null || !n.canConvertToInt()) {
            throw new SmeltException(file + ": vision_config." + field + " must be an integer");
        }
        return n.asInt();
    }

    private static int opt(JsonNode v, String field, int fallback) {
        JsonNode n = v.get(field);
        return n == null || n.isNull() ? fallback : n.asInt();
    }
}
