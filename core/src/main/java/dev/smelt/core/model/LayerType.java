package dev.smelt.core.model;

/** Token mixer of one Qwen3.5 decoder layer, as named in config.json {@code layer_types}. */
public enum LayerType {
    LINEAR_ATTENTION("linear_attention"),
    FULL_ATTENTION("full_attention");

    private final String jsonName;

    LayerType(String jsonName) {
        this.jsonName = jsonName;
    }

    public String jsonName() {
        return jsonName;
    }
}
