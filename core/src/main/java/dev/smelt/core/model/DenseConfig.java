package dev.smelt.core.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.smelt.core.SmeltException;
import java.util.ArrayList;
import java.util.List;

/**
 * Llama-style dense decoder: llama, qwen2 (q/k/v bias), qwen3 (per-head q/k RMSNorm, explicit head_dim).
 * All three use plain {@code x·rsqrt(mean x² + eps)·w} RMSNorm, rotate-half RoPE over the full head, GQA
 * and a SwiGLU MLP.
 */
public record DenseConfig(
        Architecture architecture,
        int vocabSize,
        int hiddenSize,
        int intermediateSize,
        int numLayers,
        int numHeads,
        int numKvHeads,
        int headDim,
        double rmsNormEps,
        double ropeTheta,
        RopeScaling ropeScaling,
        int maxPositionEmbeddings,
        boolean tieWordEmbeddings,
        boolean qkvBias,
        boolean outputBias,
        boolean mlpBias,
        Integer bosTokenId,
        List<Integer> eosTokenIds) implements ModelConfig {

    public DenseConfig {
        if (architecture == Architecture.QWEN3_5) throw new IllegalArgumentException("qwen3_5 is not dense");
        if (numHeads % numKvHeads != 0) {
            throw new SmeltException("num_attention_heads (" + numHeads + ") must be a multiple of num_key_value_heads ("
                    + numKvHeads + ")");
        }
        eosTokenIds = List.copyOf(eosTokenIds);
    }

    /** qwen3 normalises q and k per head before RoPE. */
    public boolean qkNorm() {
        return architecture == Architecture.QWEN3;
    }

    static DenseConfig parse(String file, Architecture arch, JsonNode root) {
        ConfigFields f = new ConfigFields(file, root, "");
        int hidden = f.requireInt("hidden_size");
        int heads = f.requireInt("num_attention_heads");
        int kvHeads = f.optInt("num_key_value_heads", heads);
        // transformers takes hidden_size // num_attention_heads without asking that it divide evenly: the
        // projections are num_heads * head_dim wide, whatever hidden_size is
        int headDim = f.has("head_dim") ? f.requireInt("head_dim") : hidden / heads;
        if (heads % kvHeads != 0) {
            throw new SmeltException(file + ": num_attention_heads " + heads + " must be a multiple of num_key_value_heads " + kvHeads);
        }
        JsonNode ropeNode = f.has("rope_scaling") ? f.get("rope_scaling") : f.get("rope_parameters");
        double theta = f.optDouble("rope_theta", ropeNode != null && ropeNode.has("rope_theta")
                ? ropeNode.get("rope_theta").asDouble() : 10000.0);
        boolean attnBias = f.optBool("attention_bias", false);
        boolean qkvBias = switch (arch) {
            case QWEN2 -> true;
            default -> attnBias;
        };
        boolean outBias = arch == Architecture.QWEN2 ? false : attnBias;
        return new DenseConfig(arch,
                f.requireInt("vocab_size"), hidden, f.requireInt("intermediate_size"),
                f.requireInt("num_hidden_layers"), heads, kvHeads, headDim,
                f.optDouble("rms_norm_eps", 1e-6), theta,
                RopeScaling.parse(file, ropeNode),
                f.optInt("max_position_embeddings", 2048),
                f.optBool("tie_word_embeddings", false),
                qkvBias, outBias, f.optBool("mlp_bias", false),
                f.optTokenId("bos_token_id"), f.optTokenIds("eos_token_id"));
    }

    @Override
    public List<TensorSpec> tensorSpecs() {
        List<TensorSpec> out = new ArrayList<>();
        long h = hiddenSize, q = (long) numHeads * headDim, kv = (long) numKvHeads * headDim, i = intermediateSize;
        out.add(new TensorSpec("model.embed_tokens.weight", new long[] {vocabSize, h}));
        for (int l = 0; l < numLayers; l++) {
            String p = "model.layers." + l + ".";
            out.add(new TensorSpec(p + "input_layernorm.weight", new long[] {h}));
            out.add(new TensorSpec(p + "self_attn.q_proj.weight", new long[] {q, h}));
            if (qkvBias) out.add(new TensorSpec(p + "self_attn.q_proj.bias", new long[] {q}));
            out.add(new TensorSpec(p + "self_attn.k_proj.weight", new long[] {kv, h}));
            if (qkvBias) out.add(new TensorSpec(p + "self_attn.k_proj.bias", new long[] {kv}));
            out.add(new TensorSpec(p + "self_attn.v_proj.weight", new long[] {kv, h}));
            if (qkvBias) out.add(new TensorSpec(p + "self_attn.v_proj.bias", new long[] {kv}));
            out.add(new TensorSpec(p + "self_attn.o_proj.weight", new long[] {h, q}));
            if (outputBias) out.add(new TensorSpec(p + "self_attn.o_proj.bias", new long[] {h}));
            if (qkNorm()) {
                out.add(new TensorSpec(p + "self_attn.q_norm.weight", new long[] {headDim}));
                out.add(new TensorSpec(p + "self_attn.k_norm.weight", new long[] {headDim}));
            }
            out.add(new TensorSpec(p + "post_attention_layernorm.weight", new long[] {h}));
            out.add(new TensorSpec(p + "mlp.gate_proj.weight", new long[] {i, h}));
            if (mlpBias) out.add(new TensorSpec(p + "mlp.gate_proj.bias", new long[] {i}));
            out.add(new TensorSpec(p + "mlp.up_proj.weight", new long[] {i, h}));
            if (mlpBias) out.add(new TensorSpec(p + "mlp.up_proj.bias", new long[] {i}));
            out.add(new TensorSpec(p + "mlp.down_proj.weight", new long[] {h, i}));
            if (mlpBias) out.add(new TensorSpec(p + "mlp.down_proj.bias", new long[] {h}));
        }
        out.add(new TensorSpec("model.norm.weight", new long[] {h}));
        if (!tieWordEmbeddings) out.add(new TensorSpec("lm_head.weight", new long[] {vocabSize, h}));
        return out;
    }

    @Override
    public ObjectNode toJson() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.putArray("architectures").add(architecture.hfClass());
        o.put("model_type", architecture.modelType());
        o.put("vocab_size", vocabSize);
        o.put("hidden_size", hiddenSize);
        o.put("intermediate_size", intermediateSize);
        o.put("num_hidden_layers", numLayers);
        o.put("num_attention_heads", numHeads);
        o.put("num_key_value_heads", numKvHeads);
        o.put("head_dim", headDim);
        o.put("hidden_act", "silu");
        o.put("rms_norm_eps", rmsNormEps);
        o.put("rope_theta", ropeTheta);
        if (ropeScaling != null) o.set("rope_scaling", ropeScaling.toJson());
        else o.putNull("rope_scaling");
        o.put("max_position_embeddings", maxPositionEmbeddings);
        o.put("tie_word_embeddings", tieWordEmbeddings);
        if (architecture != Architecture.QWEN2) o.put("attention_bias", qkvBias);
        if (architecture == Architecture.LLAMA) o.put("mlp_bias", mlpBias);
        if (bosTokenId != null) o.put("bos_token_id", bosTokenId);
        if (eosTokenIds.size() == 1) o.put("eos_token_id", eosTokenIds.get(0));
        else if (!eosTokenIds.isEmpty()) eosTokenIds.forEach(o.withArray("eos_token_id")::add);
        o.put("torch_dtype", "float32");
        return o;
    }
}
