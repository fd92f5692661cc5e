package dev.smelt.quantizer.mix;

import dev.smelt.converter.gguf.GgufValue;
import dev.smelt.converter.gguf.vocab.GgufKeys.Attention;
import dev.smelt.converter.gguf.vocab.GgufKeys.General;
import dev.smelt.converter.gguf.vocab.GgufKeys.Llm;
import java.util.Map;

/**
 * The hyperparameters llama-quantize's rules look at, read from GGUF metadata: architecture, block count,
 * head counts of layer 0 (for {@code n_gqa}), expert count, and whether llama.cpp would call the model a 70B
 * (it then gives attn_v more bits).
 */
public record ModelFacts(String architecture, int layers, int heads, int kvHeads, int experts) {

    public static ModelFacts of(Map<String, GgufValue> metadata) {
        String arch = metadata.get(General.ARCHITECTURE) instanceof GgufValue.Str s ? s.value() : "";
        int layers = (int) first(metadata.get(Llm.BLOCK_COUNT.of(arch)), 0);
        int heads = (int) first(metadata.get(Attention.HEAD_COUNT.of(arch)), 0);
        int kvHeads = (int) first(metadata.get(Attention.HEAD_COUNT_KV.of(arch)), heads);
        int experts = (int) first(metadata.get(Llm.EXPERT_COUNT.of(arch)), 0);
        return new ModelFacts(arch, layers, heads, kvHeads, experts);
    }

    private static long first(GgufValue v, long absent) {
        if (v == null) return absent;
        if (v instanceof GgufValue.Array a) return a.values().isEmpty() ? absent : a.values().get(0).asLong();
        return v.asLong();
    }

    /** llama.cpp's {@code n_gqa()} for layer 0 (0 when it has no KV heads). */
    public int gqa() {
        return kvHeads == 0 ? 0 : heads / kvHeads;
    }

    boolean isFalcon() {
        return architecture.equals("falcon");
    }

    /** llama.cpp's LLM_TYPE_70B for the architectures Smelt converts (llama with GQA, qwen2) at 80 layers. */
    boolean is70B() {
        if (layers != 80) return false;
        return switch (architecture) {
            case "llama" -> experts != 8 && heads != kvHeads;
            case "qwen2", "olmo", "deci" -> true;
            default -> false;
        };
    }
}
