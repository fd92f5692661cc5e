package dev.smelt.converter.onnx;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.smelt.core.model.DenseConfig;
import dev.smelt.core.model.GenerationConfig;
import dev.smelt.core.model.ModelConfig;
import dev.smelt.core.model.Qwen35Config;
import java.util.List;

/**
 * {@code genai_config.json}, so onnxruntime-genai runs the exported folder: the model type (HF architecture
 * prefix, lower-cased), token ids, sizes, the decoder file and its I/O names (the same as transformers.js's), and
 * greedy search defaults with generation_config.json's sampling values where it has them.
 */
final class GenaiConfig {
    private GenaiConfig() {}

    static ObjectNode of(ModelConfig c, GenerationConfig gen, List<Integer> eosIds, String decoderFile) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode model = f.objectNode();
        // Qwen3.5's text decoder (input_ids in, no embeddings split off) is onnxruntime-genai's qwen3_5_text
        model.put("type", c instanceof Qwen35Config ? "qwen3_5_text" : c.architecture().modelType());
        Integer bos = gen.bosTokenId() != null ? gen.bosTokenId() : c.bosTokenId();
        if (bos != null) model.put("bos_token_id", bos);
        if (eosIds.size() == 1) model.put("eos_token_id", eosIds.get(0));
        else eosIds.forEach(model.putArray("eos_token_id")::add);
        Integer pad = gen.padTokenId() != null ? gen.padTokenId() : eosIds.isEmpty() ? null : eosIds.get(0);
        if (pad != null) model.put("pad_token_id", pad);
        model.put("context_length", c.maxPositionEmbeddings());
        model.put("vocab_size", c.vocabSize());
        ObjectNode decoder = model.putObject("decoder");
        decoder.put("filename", decoderFile);
        decoder.putObject("session_options").put("log_id", "onnxruntime-genai").putArray("provider_options");
        int headDim = c instanceof DenseConfig d ? d.headDim() : ((Qwen35Config) c).headDim();
        int heads = c instanceof DenseConfig d ? d.numHeads() : ((Qwen35Config) c).numHeads();
        int kvHeads = c instanceof DenseConfig d ? d.numKvHeads() : ((Qwen35Config) c).numKvHeads();
        decoder.put("head_size", headDim);
        decoder.put("hidden_size", c.hiddenSize());
        decoder.put("num_attention_heads", heads);
        decoder.put("num_hidden_layers", c.numLayers());
        decoder.put("num_key_value_heads", kvHeads);
        ObjectNode in = decoder.putObject("inputs");
        in.put("input_ids", DecoderIo.INPUT_IDS);
        in.put("attention_mask", DecoderIo.ATTENTION_MASK);
        in.put("position_ids", DecoderIo.POSITION_IDS);
        in.put("past_key_names", "past_key_values.%d.key");
        in.put("past_value_names", "past_key_values.%d.value");
        ObjectNode out = decoder.putObject("outputs");
        out.put("logits", DecoderIo.LOGITS);
        out.put("present_key_names", "present.%d.key");
        out.put("present_value_names", "present.%d.value");
        ObjectNode search = f.objectNode();
        search.put("do_sample", gen.doSample() != null && gen.doSample());
        search.put("max_length", c.maxPositionEmbeddings());
        search.put("min_length", 0);
        search.put("num_beams", 1);
        search.put("num_return_sequences", 1);
        search.put("past_present_share_buffer", false);
        search.put("repetition_penalty", gen.repetitionPenalty() != null ? gen.repetitionPenalty() : 1.0);
        search.put("temperature", gen.temperature() != null ? gen.temperature() : 1.0);
        search.put("top_k", gen.topK() != null ? gen.topK() : 50);
        search.put("top_p", gen.topP() != null ? gen.topP() : 1.0);
        search.put("early_stopping", true);
        search.put("length_penalty", 1.0);
        search.put("no_repeat_ngram_size", 0);
        search.put("diversity_penalty", 0.0);
        ObjectNode root = f.objectNode();
        root.set("model", model);
        root.set("search", search);
        return root;
    }
}
