package dev.smelt.converter.gguf.vocab;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One GGUF tensor by kind and block: {@code (ATTN_Q, 3, "blk.3.attn_q.weight")}. {@code block} is
 * {@link TensorKind#GLOBAL} for global tensors. {@link #parse} reads it back from a GGUF name.
 */
public record MappedTensor(TensorKind kind, int block, String ggufName) {
    /** Suffixes a GGUF tensor name may carry after its kind's name. */
    public static final List<String> SUFFIXES = List.of(".weight", ".bias");

    private static final Map<String, TensorKind> BY_TEMPLATE = new HashMap<>();

    static {
        for (TensorKind k : TensorKind.values()) BY_TEMPLATE.put(k.template(), k);
    }

    public MappedTensor {
        String base = kind.baseName(block);
        if (!ggufName.startsWith(base) || !isSuffix(ggufName.substring(base.length()))) {
            throw new IllegalArgumentException(ggufName + " is not a name of " + kind + " at block " + block);
        }
    }

    /** {@code kind}'s tensor at {@code block} with a suffix ({@code ".weight"}, {@code ".bias"} or {@code ""}). */
    public static MappedTensor of(TensorKind kind, int block, String suffix) {
        return new MappedTensor(kind, block, kind.baseName(block) + suffix);
    }

    /**
     * The kind and block of a GGUF tensor name, e.g. {@code blk.3.ffn_down.weight → (FFN_DOWN, 3)}; empty for
     * names no {@link TensorKind} has (other architectures' tensors, adapter suffixes such as {@code .lora_a}).
     */
    public static Optional<MappedTensor> parse(String ggufName) {
        int block = TensorKind.GLOBAL;
        String template = ggufName;
        String prefix = ggufName.startsWith("blk.") ? "blk." : ggufName.startsWith("v.blk.") ? "v.blk." : null;
        if (prefix != null) {
            int from = prefix.length();
            int dot = ggufName.indexOf('.', from);
            if (dot < 0) return Optional.empty();
            try {
                block = Integer.parseInt(ggufName.substring(from, dot));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
            if (!ggufName.substring(from, dot).equals(Integer.toString(block)) || block < 0) return Optional.empty();
            template = prefix + "{bid}" + ggufName.substring(dot);
        }
        TensorKind kind = BY_TEMPLATE.get(template);
        for (int i = 0; kind == null && i < SUFFIXES.size(); i++) {
            String s = SUFFIXES.get(i);
            if (template.endsWith(s)) kind = BY_TEMPLATE.get(template.substring(0, template.length() - s.length()));
        }
        return kind == null ? Optional.empty() : Optional.of(new MappedTensor(kind, block, ggufName));
    }

    /** What follows the kind's name: {@code ".weight"}, {@code ".bias"} or {@code ""}. */
    public String suffix() {
        return ggufName.substring(kind.baseName(block).length());
    }

    private static boolean isSuffix(String s) {
        return s.isEmpty() || SUFFIXES.contains(s);
    }

    public boolean isBias() {
        return ggufName.endsWith(".bias");
    }
}
