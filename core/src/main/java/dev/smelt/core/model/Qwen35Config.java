package dev.smelt.core.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.smelt.core.SmeltException;
import java.util.ArrayList;
import java.util.List;

/**
 * Qwen3.5 hybrid decoder ({@code model_type} qwen3_5 with the text part under {@code text_config}, or a
 * flat {@code qwen3_5_text} config): Gated DeltaNet linear-attention layers interleaved with gated full
 * attention, (1+w) RMSNorms, partial rotary with mRoPE sections. See shared/reference/qwen-architectures.md.
 *
 * @param nested        true when weights live under {@code model.language_model.} (the multimodal checkpoint)
 * @param visionConfig  the raw {@code vision_config} object, or null (parse it with {@link Qwen35VisionTower#fromJson})
 * @param visionTokens  the image / video / vision start / end token ids (top level of config.json); null without
 *                      {@code vision_config}
 */
public record Qwen35Config(
        int vocabSize,
        int hiddenSize,
        int intermediateSize,
        int numLayers,
        int numHeads,
        int numKvHeads,
        int headDim,
        double rmsNormEps,
        double ropeTheta,
        double partialRotaryFactor,
        List<Integer> mropeSection,
        boolean mropeInterleaved,
        int maxPositionEmbeddings,
        boolean tieWordEmbeddings,
        boolean attnOutputGate,
        int linearConvKernel,
        int linearKeyHeadDim,
        int linearValueHeadDim,
        int linearNumKeyHeads,
        int linearNumValueHeads,
        List<LayerType> layerTypes,
        int fullAttentionInterval,
        int mtpNumHiddenLayers,
        boolean nested,
        JsonNode visionConfig,
        Integer bosTokenId,
        List<Integer> eosTokenIds,
        VisionTokens visionTokens) implements ModelConfig {

    public Qwen35Config {
        if (layerTypes.size() != numLayers) {
            throw new SmeltException("layer_types has " + layerTypes.size() + " entries but num_hidden_layers is " + numLayers);
        }
        if (linearNumValueHeads % linearNumKeyHeads != 0) {
            throw new SmeltException("linear_num_value_heads (" + linearNumValueHeads
                    + ") must be a multiple of linear_num_key_heads (" + linearNumKeyHeads + ")");
        }
        if (numHeads % numKvHeads != 0) {
            throw new SmeltException("num_attention_heads (" + numHeads + ") must be a multiple of num_key_value_heads ("
                    + numKvHeads + ")");
        }
        layerTypes = List.copyOf(layerTypes);
        mropeSection = List.copyOf(mropeSection);
        eosTokenIds = List.copyOf(eosTokenIds);
        if (visionConfig == null) visionTokens = null;
        else if (visionTokens == null) visionTokens = new VisionTokens(248056, 248057, 248053, 248054);
    }

    /** True when the checkpoint has a vision tower ({@code vision_config}). */
    public boolean hasVision() {
        return visionConfig != null;
    }

    @Override
    public Architecture architecture() {
        return Architecture.QWEN3_5;
    }

    /** Prefix of language-model weights: {@code model.language_model.} or {@code model.}. */
    public String weightPrefix() {
        return nested ? "model.language_model." : "model.";
    }

    public int linearKeyDim() {
        return linearNumKeyHeads * linearKeyHeadDim;
    }

    public int linearValueDim() {
        return linearNumValueHeads * linearValueHeadDim;
    }

    /** Channels of the causal conv: q, k and v stacked. */
    public int linearConvDim() {
        return 2 * linearKeyDim() + linearValueDim();
    }

    /** Rotated channels per head (the rest pass through): {@code int(head_dim * partial_rotary_factor)}, as transformers. */
    public int rotaryDim() {
        return (int) (headDim * partialRotaryFactor);
    }

    static Qwen35Config parse(String file, JsonNode root) {
        boolean nested = "qwen3_5".equals(root.get("model_type").asText());
        JsonNode text = root;
        String prefix = "";
        if (nested) {
            text = root.get("text_config");
            if (text == null || !text.isObject()) throw new SmeltException(file + ": missing object field \"text_config\"");
            prefix = "text_config.";
        }
        ConfigFields f = new ConfigFields(file, text, prefix);
        ConfigFields top = new ConfigFields(file, root, "");
        int layers = f.requireInt("num_hidden_layers");
        int interval = f.optInt("full_attention_interval", 4);
        List<LayerType> types = new ArrayList<>();
        if (f.has("layer_types")) {
            JsonNode lt = f.get("layer_types");
            if (!lt.isArray()) throw new SmeltException(file + ": field \"" + prefix + "layer_types\" must be a list");
            int i = 0;
            for (JsonNode t : lt) {
                String s = t.asText();
                if (s.equals("linear_attention")) types.add(LayerType.LINEAR_ATTENTION);
                else if (s.equals("full_attention")) types.add(LayerType.FULL_ATTENTION);
                else throw new SmeltException(file + ": " + prefix + "layer_types[" + i + "] is \"" + s
                        + "\" (expected linear_attention or full_attention)");
                i++;
            }
        } else {
            for (int i = 0; i < layers; i++) {
                types.add((i + 1) % interval == 0 ? LayerType.FULL_ATTENTION : LayerType.LINEAR_ATTENTION);
            }
        }
        JsonNode rope = f.has("rope_parameters") ? f.get("rope_parameters") : f.get("rope_scaling");
        double theta = f.optDouble("rope_theta", rope != null && rope.has("rope_theta") ? rope.get("rope_theta").asDouble() : 10_000_000.0);
        double partial = f.optDouble("partial_rotary_factor",
                rope != null && rope.has("partial_rotary_factor") ? rope.get("partial_rotary_factor").asDouble() : 0.25);
        List<Integer> section = new ArrayList<>();
        if (rope != null && rope.has("mrope_section")) rope.get("mrope_section").forEach(n -> section.add(n.asInt()));
        else section.addAll(List.of(11, 11, 10));
        boolean interleaved = rope != null && rope.has("mrope_interleaved") ? rope.get("mrope_interleaved").asBoolean() : true;
        boolean tie = top.has("tie_word_embeddings") ? top.optBool("tie_word_embeddings", false)
                : f.optBool("tie_word_embeddings", false);
        int heads = f.optInt("num_attention_heads", 16);
        List<Integer> eos = f.optTokenIds("eos_token_id");
        if (eos.isEmpty()) eos = top.optTokenIds("eos_token_id");
        return new Qwen35Config(
                f.requireInt("vocab_size"), f.requireInt("hidden_size"), f.requireInt("intermediate_size"), layers,
                heads, f.optInt("num_key_value_heads", 4), f.optInt("head_dim", 256),
                f.optDouble("rms_norm_eps", 1e-6), theta, partial, section, interleaved,
                f.optInt("max_position_embeddings", 32768), tie, f.optBool("attn_output_gate", true),
                f.optInt("linear_conv_kernel_dim", 4), f.optInt("linear_key_head_dim", 128),
                f.optInt("linear_value_head_dim", 128), f.optInt("linear_num_key_heads", 16),
                f.optInt("linear_num_value_heads", 32), types, interval,
                f.has("mtp_num_hidden_layers") ? f.get("mtp_num_hidden_layers").asInt() : 0,
                nested, nested && root.hasNonNull("vision_config") ? root.get("vision_config") : null,
                f.has("bos_token_id") ? f.optTokenId("bos_token_id") : top.optTokenId("bos_token_id"), eos,
                nested && root.hasNonNull("vision_config") ? VisionTokens.parse(file, root) : null);
    }

    @Override
    public List<TensorSpec> tensorSpecs() {
        List<TensorSpec> out = new ArrayList<>();
        String m = weightPrefix();
        long h = hiddenSize;
        out.add(new TensorSpec(m + "embed_tokens.weight", new long[] {vocabSize, h}));
        for (int l = 0; l < numLayers; l++) {
            addLayer(out, m + "layers." + l + ".", layerTypes.get(l));
        }
        out.add(new TensorSpec(m + "norm.weight", new long[] {h}));
        if (!tieWordEmbeddings) out.add(new TensorSpec("lm_head.weight", new long[] {vocabSize, h}));
        return out;
    }

    /** The multi-token-prediction head ({@code mtp.*}): carried through, not run. */
    public List<TensorSpec> mtpTensorSpecs() {
        List<TensorSpec> out = new ArrayList<>();
        if (mtpNumHiddenLayers == 0) return out;
        long h = hiddenSize;
        out.add(new TensorSpec("mtp.fc.weight", new long[] {h, 2 * h}));
        out.add(new TensorSpec("mtp.pre_fc_norm_embedding.weight", new long[] {h}));
        out.add(new TensorSpec("mtp.pre_fc_norm_hidden.weight", new long[] {h}));
        for (int l = 0; l < mtpNumHiddenLayers; l++) addLayer(out, "mtp.layers." + l + ".", LayerType.FULL_ATTENTION);
        out.add(new TensorSpec("mtp.norm.weight", new long[] {h}));
        return out;
    }

    private void addLayer(List<TensorSpec> out, String p, LayerType type) {
        long h = hiddenSize, i = intermediateSize;
        out.add(new TensorSpec(p + "input_layernorm.weight", new long[] {h}));
        if (type == LayerType.LINEAR_ATTENTION) {
            long conv = linearConvDim(), v = linearValueDim(), hv = linearNumValueHeads;
            out.add(new TensorSpec(p + "linear_attn.in_proj_qkv.weight", new long[] {conv, h}));
            out.add(new TensorSpec(p + "linear_attn.in_proj_z.weight", new long[] {v, h}));
            out.add(new TensorSpec(p + "linear_attn.in_proj_b.weight", new long[] {hv, h}));
            out.add(new TensorSpec(p + "linear_attn.in_proj_a.weight", new long[] {hv, h}));
            out.add(new TensorSpec(p + "linear_attn.conv1d.weight", new long[] {conv, 1, linearConvKernel}));
            out.add(new TensorSpec(p + "linear_attn.dt_bias", new long[] {hv}));
            out.add(new TensorSpec(p + "linear_attn.A_log", new long[] {hv}));
            out.add(new TensorSpec(p + "linear_attn.norm.weight", new long[] {linearValueHeadDim}));
            out.add(new TensorSpec(p + "linear_attn.out_proj.weight", new long[] {h, v}));
        } else {
            long q = (long) numHeads * headDim, kv = (long) numKvHeads * headDim;
            out.add(new TensorSpec(p + "self_attn.q_proj.weight", new long[] {attnOutputGate ? 2 * q : q, h}));
            out.add(new TensorSpec(p + "self_attn.k_proj.weight", new long[] {kv, h}));
            out.add(new TensorSpec(p + "self_attn.v_proj.weight", new long[] {kv, h}));
            out.add(new TensorSpec(p + "self_attn.o_proj.weight", new long[] {h, q}));
            out.add(new TensorSpec(p + "self_attn.q_norm.weight", new long[] {headDim}));
            out.add(new TensorSpec(p + "self_attn.k_norm.weight", new long[] {headDim}));
        }
        out.add(new TensorSpec(p + "post_attention_layernorm.weight", new long[] {h}));
        out.add(new TensorSpec(p + "mlp.gate_proj.weight", new long[] {i, h}));
        out.add(new TensorSpec(p + "mlp.up_proj.weight", new long[] {i, h}));
        out.add(new TensorSpec(p + "mlp.down_proj.weight", new long[] {h, i}));
    }

    @Override
    public ObjectNode toJson() {
        JsonNodeFactory jf = JsonNodeFactory.instance;
        ObjectNode t = jf.objectNode();
        t.put("model_type", nested ? "qwen3_5_text" : "qwen3_5_text");
        t.put("vocab_size", vocabSize);
        t.put("hidden_size", hiddenSize);
        t.put("intermediate_size", intermediateSize);
        t.put("num_hidden_layers", numLayers);
        t.put("num_attention_heads", numHeads);
        t.put("num_key_value_heads", numKvHeads);
        t.put("head_dim", headDim);
        t.put("hidden_act", "silu");
        t.put("rms_norm_eps", rmsNormEps);
        t.put("max_position_embeddings", maxPositionEmbeddings);
        t.put("attention_bias", false);
        t.put("attn_output_gate", attnOutputGate);
        t.put("linear_conv_kernel_dim", linearConvKernel);
        t.put("linear_key_head_dim", linearKeyHeadDim);
        t.put("linear_value_head_dim", linearValueHeadDim);
        t.put("linear_num_key_heads", linearNumKeyHeads);
        t.put("linear_num_value_heads", linearNumValueHeads);
        t.put("full_attention_interval", fullAttentionInterval);
        layerTypes.forEach(lt -> t.withArray("layer_types").add(lt.jsonName()));
        ObjectNode rope = t.putObject("rope_parameters");
        rope.put("rope_type", "default");
        rope.put("rope_theta", ropeTheta);
        rope.put("partial_rotary_factor", partialRotaryFactor);
        mropeSection.forEach(rope.withArray("mrope_section")::add);
        rope.put("mrope_interleaved", mropeInterleaved);
        t.put("mtp_num_hidden_layers", mtpNumHiddenLayers);
        t.put("tie_word_embeddings", tieWordEmbeddings);
        if (bosTokenId != null) t.put("bos_token_id", bosTokenId);
        if (eosTokenIds.size() == 1) t.put("eos_token_id", eosTokenIds.get(0));
        else if (!eosTokenIds.isEmpty()) eosTokenIds.forEach(t.withArray("eos_token_id")::add);
        if (!nested) {
            t.putArray("architectures").add("Qwen3_5ForCausalLM");
            return t;
        }
        ObjectNode o = jf.objectNode();
        o.putArray("architectures").add(Architecture.QWEN3_5.hfClass());
        o.put("model_type", "qwen3_5");
        o.put("tie_word_embeddings", tieWordEmbeddings);
        o.set("text_config", t);
        if (visionConfig != null) {
            o.set("vision_config", visionConfig);
            visionTokens.writeTo(o);
        }
        o.put("torch_dtype", "float32");
        return o;
    }
}
