package dev.smelt.converter.onnx;

/**
 * Input, output and axis names of a merged decoder (prefill and decode in one graph), as Optimum exports them and
 * transformers.js and onnxruntime-genai feed them. The batch axis must be called {@code batch_size}: transformers.js
 * sizes its empty first-step caches from the graph's metadata and maps every other symbolic axis to 0.
 */
public final class DecoderIo {
    public static final String INPUT_IDS = "input_ids";
    /** The image+text layout's decoder input (transformers.js / Optimum / onnxruntime-genai name). */
    public static final String INPUTS_EMBEDS = "inputs_embeds";
    public static final String ATTENTION_MASK = "attention_mask";
    public static final String POSITION_IDS = "position_ids";
    public static final String LOGITS = "logits";

    public static final String BATCH = "batch_size";
    public static final String SEQUENCE = "sequence_length";
    public static final String PAST_SEQUENCE = "past_sequence_length";
    public static final String TOTAL_SEQUENCE = "total_sequence_length";

    private DecoderIo() {}

    public static String pastKey(int layer) {
        return "past_key_values." + layer + ".key";
    }

    public static String pastValue(int layer) {
        return "past_key_values." + layer + ".value";
    }

    public static String presentKey(int layer) {
        return "present." + layer + ".key";
    }

    public static String presentValue(int layer) {
        return "present." + layer + ".value";
    }
}
