package dev.smelt.converter.gguf.vocab;

import dev.smelt.core.SmeltException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Hugging Face tensor names → {@link MappedTensor}, after gguf-py's {@code tensor_mapping.py}: one table keyed by
 * {@link TensorKind} holds every HF spelling Smelt's architectures use, and {@link #of} keeps the rows of the
 * kinds one architecture has, so a spelling two families read differently ({@code post_attention_layernorm}: the
 * FFN norm of Llama/Qwen2/Qwen3, the post-attention norm of Qwen3.5) is unambiguous per architecture.
 *
 * <p>A spelling is a module path ({@code model.layers.{bid}.self_attn.q_proj}) whose {@code .weight}/{@code .bias}
 * suffix carries over to the GGUF name, or a full parameter name with the GGUF suffix it gets
 * ({@code linear_attn.A_log → blk.N.ssm_a}). Multimodal checkpoints keep the text model under
 * {@code model.language_model.}, which reads as {@code model.}.
 */
public final class TensorNameMap {
    /** An HF spelling; {@code ggufSuffix} null means the source suffix carries over. */
    private record Spelling(String hf, String ggufSuffix) {}

    private static final Map<TensorKind, List<Spelling>> TABLE = new EnumMap<>(TensorKind.class);

    static {
        modules(TensorKind.TOKEN_EMBD, "model.embed_tokens");
        modules(TensorKind.OUTPUT_NORM, "model.norm");
        modules(TensorKind.OUTPUT, "lm_head");

        modules(TensorKind.ATTN_NORM, "model.layers.{bid}.input_layernorm");
        modules(TensorKind.ATTN_Q, "model.layers.{bid}.self_attn.q_proj");
        modules(TensorKind.ATTN_K, "model.layers.{bid}.self_attn.k_proj");
        modules(TensorKind.ATTN_V, "model.layers.{bid}.self_attn.v_proj");
        modules(TensorKind.ATTN_OUTPUT, "model.layers.{bid}.self_attn.o_proj");
        modules(TensorKind.ATTN_Q_NORM, "model.layers.{bid}.self_attn.q_norm");
        modules(TensorKind.ATTN_K_NORM, "model.layers.{bid}.self_attn.k_norm");
        modules(TensorKind.ATTN_QKV, "model.layers.{bid}.linear_attn.in_proj_qkv");
        modules(TensorKind.ATTN_GATE, "model.layers.{bid}.linear_attn.in_proj_z");
        modules(TensorKind.ATTN_POST_NORM, "model.layers.{bid}.post_attention_layernorm");

        modules(TensorKind.FFN_NORM, "model.layers.{bid}.post_attention_layernorm");
        modules(TensorKind.FFN_GATE, "model.layers.{bid}.mlp.gate_proj");
        modules(TensorKind.FFN_UP, "model.layers.{bid}.mlp.up_proj");
        modules(TensorKind.FFN_DOWN, "model.layers.{bid}.mlp.down_proj");

        parameter(TensorKind.SSM_A, "model.layers.{bid}.linear_attn.A_log", "");
        modules(TensorKind.SSM_CONV1D, "model.layers.{bid}.linear_attn.conv1d");
        parameter(TensorKind.SSM_DT, "model.layers.{bid}.linear_attn.dt_bias", ".bias");
        modules(TensorKind.SSM_NORM, "model.layers.{bid}.linear_attn.norm");
        modules(TensorKind.SSM_OUT, "model.layers.{bid}.linear_attn.out_proj");
        modules(TensorKind.SSM_ALPHA, "model.layers.{bid}.linear_attn.in_proj_a");
        modules(TensorKind.SSM_BETA, "model.layers.{bid}.linear_attn.in_proj_b");
        // ROPE_FREQS has no spelling: the converter computes it.

        // Qwen3.5 / Qwen3-VL vision tower (llama.cpp's conversion/qwen3vl.py); the patch kernel is split by frame
        modules(TensorKind.V_PATCH_EMBD, "model.visual.patch_embed.proj");
        parameter(TensorKind.V_POSITION_EMBD, "model.visual.pos_embed.weight", ".weight");
        modules(TensorKind.V_ENC_ATTN_QKV, "model.visual.blocks.{bid}.attn.qkv");
        modules(TensorKind.V_ENC_ATTN_OUT, "model.visual.blocks.{bid}.attn.proj");
        modules(TensorKind.V_ENC_NORM1, "model.visual.blocks.{bid}.norm1");
        modules(TensorKind.V_ENC_NORM2, "model.visual.blocks.{bid}.norm2");
        modules(TensorKind.V_ENC_FFN_UP, "model.visual.blocks.{bid}.mlp.linear_fc1");
        modules(TensorKind.V_ENC_FFN_DOWN, "model.visual.blocks.{bid}.mlp.linear_fc2");
        modules(TensorKind.V_POST_NORM, "model.visual.merger.norm");
        modules(TensorKind.V_MMPROJ_0, "model.visual.merger.linear_fc1");
        modules(TensorKind.V_MMPROJ_2, "model.visual.merger.linear_fc2");
    }

    private static void modules(TensorKind kind, String... paths) {
        for (String p : paths) add(kind, new Spelling(p, null));
    }

    private static void parameter(TensorKind kind, String name, String ggufSuffix) {
        add(kind, new Spelling(name, ggufSuffix));
    }

    private static void add(TensorKind kind, Spelling s) {
        if (s.hf().contains("{bid}") != kind.perBlock()) {
            throw new IllegalStateException(kind + ": spelling " + s.hf() + (kind.perBlock() ? " lacks" : " has") + " {bid}");
        }
        TABLE.computeIfAbsent(kind, k -> new ArrayList<>()).add(s);
    }

    private static final String TEXT_MODEL_PREFIX = "model.language_model.";

    private final String architecture;
    private final Set<TensorKind> kinds;
    /** Templates ({@code model.layers.{bid}.mlp.up_proj}) of module spellings. */
    private final Map<String, TensorKind> modules = new HashMap<>();
    /** Templates of parameter spellings, with the kind and GGUF suffix each becomes. */
    private final Map<String, MappedParameter> parameters = new HashMap<>();

    private record MappedParameter(TensorKind kind, String ggufSuffix) {}

    private TensorNameMap(String architecture, Set<TensorKind> kinds) {
        this.architecture = architecture;
        this.kinds = Collections.unmodifiableSet(EnumSet.copyOf(kinds));
        for (TensorKind k : this.kinds) {
            for (Spelling s : TABLE.getOrDefault(k, List.of())) {
                TensorKind other = s.ggufSuffix() == null ? modules.put(s.hf(), k)
                        : kindOf(parameters.put(s.hf(), new MappedParameter(k, s.ggufSuffix())));
                if (other != null && other != k) {
                    throw new IllegalStateException(architecture + ": " + other + " and " + k + " both claim " + s.hf());
                }
            }
        }
    }

    private static TensorKind kindOf(MappedParameter p) {
        return p == null ? null : p.kind();
    }

    /**
     * The table for the given kinds.
     *
     * @param architecture the GGUF architecture name, used in error messages
     */
    public static TensorNameMap of(String architecture, Set<TensorKind> kinds) {
        return new TensorNameMap(architecture, kinds);
    }

    public String architecture() {
        return architecture;
    }

    public Set<TensorKind> kinds() {
        return kinds;
    }

    /** The HF spellings of a kind as templates, {@code {bid}} standing for the block index (all architectures). */
    public static List<String> spellings(TensorKind kind) {
        return TABLE.getOrDefault(kind, List.of()).stream().map(Spelling::hf).toList();
    }

    /** The GGUF tensor an HF tensor name becomes, if it is one of this table's kinds. */
    public Optional<MappedTensor> lookup(String hfName) {
        String name = hfName.startsWith(TEXT_MODEL_PREFIX) ? "model." + hfName.substring(TEXT_MODEL_PREFIX.length()) : hfName;
        int block = TensorKind.GLOBAL;
        String template = name;
        int start = blockSegmentStart(name);
        if (start >= 0) {
            int end = name.indexOf('.', start);
            block = Integer.parseInt(name.substring(start, end));
            template = name.substring(0, start) + "{bid}" + name.substring(end);
        }
        MappedParameter p = parameters.get(template);
        if (p != null) return Optional.of(MappedTensor.of(p.kind(), block, p.ggufSuffix()));
        for (String suffix : MappedTensor.SUFFIXES) {
            if (template.endsWith(suffix)) {
                TensorKind k = modules.get(template.substring(0, template.length() - suffix.length()));
                if (k != null) return Optional.of(MappedTensor.of(k, block, suffix));
            }
        }
        return Optional.empty();
    }

    /** {@link #lookup}, or a {@link SmeltException} naming the tensor and the architecture. */
    public MappedTensor map(String hfName) {
        return lookup(hfName).orElseThrow(() -> new SmeltException("cannot map tensor \"" + hfName
                + "\" to a GGUF name for architecture " + architecture + " (it matches no entry of the " + architecture + " table)"));
    }

    /** Where the first all-digit path segment (the block index) starts, or -1. */
    private static int blockSegmentStart(String name) {
        int start = 0;
        while (start < name.length()) {
            int end = name.indexOf('.', start);
            if (end < 0) return -1;
            if (end > start && end - start <= 9 && name.substring(start, end).chars().allMatch(c -> c >= '0' && c <= '9')) {
                return start;
            }
            start = end + 1;
        }
        return -1;
    }
}
