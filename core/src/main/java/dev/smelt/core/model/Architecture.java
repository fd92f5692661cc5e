package dev.smelt.core.model;

import dev.smelt.core.SmeltException;
import java.util.Arrays;
import java.util.stream.Collectors;

/** Model families Smelt supports, keyed by config.json {@code model_type}. */
public enum Architecture {
    LLAMA("llama", "LlamaForCausalLM"),
    QWEN2("qwen2", "Qwen2ForCausalLM"),
    QWEN3("qwen3", "Qwen3ForCausalLM"),
    QWEN3_5("qwen3_5", "Qwen3_5ForConditionalGeneration");

    private final String modelType;
    private final String hfClass;

    Architecture(String modelType, String hfClass) {
        this.modelType = modelType;
        this.hfClass = hfClass;
    }

    public String modelType() {
        return modelType;
    }

    /** The transformers class name written to config.json {@code architectures}. */
    public String hfClass() {
        return hfClass;
    }

    public static Architecture fromModelType(String modelType) {
        for (Architecture a : values()) {
            if (a.modelType.equals(modelType)) return a;
        }
        if ("qwen3_5_text".equals(modelType)) return QWEN3_5;
        throw new SmeltException("unsupported architecture " + modelType + " (supported: " + supported() + ")");
    }

    public static String supported() {
        return Arrays.stream(values()).map(Architecture::modelType).collect(Collectors.joining(", "));
    }
}
