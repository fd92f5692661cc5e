package dev.smelt.converter.hf;

import dev.smelt.core.SmeltException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Hugging Face → llama.cpp tensor names for one GGUF architecture, in the spirit of gguf-py's
 * {@code tensor_mapping.py}: a table of global names and a table of per-block names. Entries map a module
 * path; {@code .weight}/{@code .bias} suffixes carry over. A few parameters without a suffix (Qwen3.5's
 * {@code A_log}, {@code dt_bias}) are mapped by their full name. Tensors llama.cpp does not use are listed
 * as deliberate skips with a reason; anything else unknown is an error naming the tensor.
 */
public final class TensorNameMap {
    private static final Pattern BLOCK = Pattern.compile("model\\.layers\\.(\\d+)\\.(.+)");
    private static final List<String> SUFFIXES = List.of(".weight", ".bias");

    /** Why a source tensor is not written. */
    public record Skip(String reason) {}

    /** A mapped tensor: its GGUF name and, for block tensors, the block index (-1 for global tensors). */
    public record Mapped(String ggufName, int block) {}

    private final String arch;
    private final Map<String, String> global;
    private final Map<String, String> block;
    private final Map<String, String> blockExact;
    private final Map<String, String> skipPrefixes;
    private final Map<String, String> skipSuffixes;

    private TensorNameMap(String arch, Map<String, String> global, Map<String, String> block,
            Map<String, String> blockExact, Map<String, String> skipPrefixes, Map<String, String> skipSuffixes) {
        this.arch = arch;
        this.global = global;
        this.block = block;
        this.blockExact = blockExact;
        this.skipPrefixes = skipPrefixes;
        this.skipSuffixes = skipSuffixes;
    }

    /** The table for a GGUF architecture name: llama, qwen2, qwen3 or qwen35. */
    public static TensorNameMap forArchitecture(String ggufArch) {
        Map<String, String> global = new LinkedHashMap<>();
        global.put("model.embed_tokens", "token_embd");
        global.put("model.norm", "output_norm");
        global.put("lm_head", "output");
        Map<String, String> block = new LinkedHashMap<>();
        Map<String, String> exact = new LinkedHashMap<>();
        Map<String, String> skipPrefixes = new LinkedHashMap<>();
        Map<String, String> skipSuffixes = new LinkedHashMap<>();
        skipSuffixes.put(".rotary_emb.inv_freq", "RoPE frequencies are recomputed by llama.cpp");
        block.put("input_layernorm", "attn_norm");
        block.put("self_attn.q_proj", "attn_q");
        block.put("self_attn.k_proj", "attn_k");
        block.put("self_attn.v_proj", "attn_v");
        block.put("self_attn.o_proj", "attn_output");
        block.put("mlp.gate_proj", "ffn_gate");
        block.put("mlp.up_proj", "ffn_up");
        block.put("mlp.down_proj", "ffn_down");
        switch (ggufArch) {
            case "llama", "qwen2" -> block.put("post_attention_layernorm", "ffn_norm");
            case "qwen3" -> {
                block.put("post_attention_layernorm", "ffn_norm");
                block.put("self_attn.q_norm", "attn_q_norm");
                block.put("self_attn.k_norm", "attn_k_norm");
            }
            case "qwen35" -> {
                block.put("post_attention_layernorm", "post_attention_norm");
                block.put("self_attn.q_norm", "attn_q_norm");
                block.put("self_attn.k_norm", "attn_k_norm");
                block.put("linear_attn.in_proj_qkv", "attn_qkv");
                block.put("linear_attn.in_proj_z", "attn_gate");
                block.put("linear_attn.in_proj_b", "ssm_beta");
                block.put("linear_attn.in_proj_a", "ssm_alpha");
                block.put("linear_attn.conv1d", "ssm_conv1d");
                block.put("linear_attn.norm", "ssm_norm");
                block.put("linear_attn.out_proj", "ssm_out");
                exact.put("linear_attn.A_log", "ssm_a");
                exact.put("linear_attn.dt_bias", "ssm_dt.bias");
                skipPrefixes.put("mtp.", "multi-token-prediction head, not exported (llama.cpp runs the model without it)");
                skipPrefixes.put("model.visual.", "vision tower, not exported (llama.cpp loads it from a separate mmproj file)");
            }
            default -> throw new SmeltException("no GGUF tensor mapping for architecture \"" + ggufArch
                    + "\" (supported: llama, qwen2, qwen3, qwen35)");
        }
        return new TensorNameMap(ggufArch, global, block, exact, skipPrefixes, skipSuffixes);
    }

    public String architecture() {
        return arch;
    }

    /** The reason a tensor is deliberately not exported, if it is one of those. */
    public Optional<Skip> skip(String hfName) {
        String name = normalize(hfName);
        for (Map.Entry<String, String> e : skipPrefixes.entrySet()) {
            if (hfName.startsWith(e.getKey()) || name.startsWith(e.getKey())) return Optional.of(new Skip(e.getValue()));
        }
        for (Map.Entry<String, String> e : skipSuffixes.entrySet()) {
            if (hfName.endsWith(e.getKey())) return Optional.of(new Skip(e.getValue()));
        }
        return Optional.empty();
    }

    /** Maps a tensor name, or throws naming the tensor and the architecture. */
    public Mapped map(String hfName) {
        return tryMap(hfName).orElseThrow(() -> new SmeltException("cannot map tensor \"" + hfName
                + "\" to a GGUF name for architecture " + arch + " (it matches no entry of the " + arch + " table)"));
    }

    public Optional<Mapped> tryMap(String hfName) {
        String name = normalize(hfName);
        Matcher m = BLOCK.matcher(name);
        if (m.matches()) {
            int bid = Integer.parseInt(m.group(1));
            String rest = m.group(2);
            String exact = blockExact.get(rest);
            if (exact != null) return Optional.of(new Mapped("blk." + bid + "." + exact, bid));
            for (String suffix : SUFFIXES) {
                if (rest.endsWith(suffix)) {
                    String base = block.get(rest.substring(0, rest.length() - suffix.length()));
                    if (base != null) return Optional.of(new Mapped("blk." + bid + "." + base + suffix, bid));
                }
            }
            return Optional.empty();
        }
        for (String suffix : SUFFIXES) {
            if (name.endsWith(suffix)) {
                String base = global.get(name.substring(0, name.length() - suffix.length()));
                if (base != null) return Optional.of(new Mapped(base + suffix, -1));
            }
        }
        return Optional.empty();
    }

    /** Qwen3.5 multimodal checkpoints keep the text model under {@code model.language_model.}. */
    static String normalize(String hfName) {
        if (hfName.startsWith("model.language_model.")) return "model." + hfName.substring("model.language_model.".length());
        return hfName;
    }
}
