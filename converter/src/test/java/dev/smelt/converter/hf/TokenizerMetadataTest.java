package dev.smelt.converter.hf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.smelt.converter.gguf.GgufValue;
import dev.smelt.core.SmeltException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenizerMetadataTest {
    @TempDir Path dir;
    static final ObjectMapper JSON = new ObjectMapper();

    private Map<String, GgufValue> build(String tokenizerJson, String config, int vocab) throws Exception {
        Path t = dir.resolve("tokenizer.json");
        Files.writeString(t, tokenizerJson);
        return TokenizerMetadata.build(t, JSON.readTree(config), dir.resolve("chat_template.jinja"), vocab, null, List.of(), null);
    }

    @Test
    void tokensArePaddedAndTyped() throws Exception {
        Map<String, GgufValue> m = build(TinyHfModels.tokenizerJson("qwen2"), "{\"eos_token\": \"<|im_end|>\"}", 272);
        GgufValue.Array tokens = (GgufValue.Array) m.get("tokenizer.ggml.tokens");
        GgufValue.Array types = (GgufValue.Array) m.get("tokenizer.ggml.token_type");
        assertThat(tokens.size()).isEqualTo(272);
        assertThat(tokens.values().get(65)).isEqualTo(GgufValue.of("A")); // ids follow byte order
        assertThat(tokens.values().get(32)).isEqualTo(GgufValue.of("\u0120")); // space in byte-level form
        assertThat(tokens.values().get(262)).isEqualTo(GgufValue.of("<|im_end|>"));
        assertThat(tokens.values().get(270)).isEqualTo(GgufValue.of("[PAD270]"));
        assertThat(types.values().get(65)).isEqualTo(GgufValue.i32(TokenizerMetadata.NORMAL));
        assertThat(types.values().get(262)).isEqualTo(GgufValue.i32(TokenizerMetadata.CONTROL));
        assertThat(types.values().get(270)).isEqualTo(GgufValue.i32(TokenizerMetadata.UNUSED));
        assertThat(m.get("tokenizer.ggml.model")).isEqualTo(GgufValue.of("gpt2"));
        assertThat(m.get("tokenizer.ggml.eos_token_id")).isEqualTo(GgufValue.u32(262));
        assertThat(m).doesNotContainKey("tokenizer.ggml.bos_token_id");
        assertThat(m.get("tokenizer.ggml.add_bos_token")).isEqualTo(GgufValue.bool(false));
        assertThat(((GgufValue.Array) m.get("tokenizer.ggml.merges")).values()).contains(GgufValue.of("h e"));
        assertThat(m).doesNotContainKey("tokenizer.chat_template");
    }

    @Test
    void preTokenizerIsRecognisedFromTheSplitRegex() throws Exception {
        for (String arch : List.of("qwen2", "llama", "qwen3_5")) {
            JsonNode root = JSON.readTree(TinyHfModels.tokenizerJson(arch));
            assertThat(TokenizerMetadata.detectPre(dir, root)).isEqualTo(switch (arch) {
                case "llama" -> "llama-bpe";
                case "qwen3_5" -> "qwen35";
                default -> "qwen2";
            });
        }
        JsonNode gpt2 = JSON.readTree("{\"pre_tokenizer\": {\"type\": \"ByteLevel\", \"add_prefix_space\": false}}");
        assertThat(TokenizerMetadata.detectPre(dir, gpt2)).isEqualTo("gpt-2");
        String odd = TinyHfModels.tokenizerJson("qwen2").replace("\\\\p{N}|", "\\\\p{N}{1,2}|");
        assertThatThrownBy(() -> build(odd, "{}", 272)).isInstanceOf(SmeltException.class)
                .hasMessageContaining("tokenizer.json").hasMessageContaining("--tokenizer-pre");
        Path t = dir.resolve("tokenizer.json");
        Map<String, GgufValue> forced = TokenizerMetadata.build(t, JSON.readTree("{}"), null, 272, null, List.of(), "qwen2");
        assertThat(forced.get("tokenizer.ggml.pre")).isEqualTo(GgufValue.of("qwen2"));
    }

    @Test
    void specialIdsFlagsAndTemplates() throws Exception {
        String tok = TinyHfModels.tokenizerJson("llama").replace("\"post_processor\" : {\n    \"type\" : \"ByteLevel\",",
                "\"post_processor\" : {\"type\": \"TemplateProcessing\", \"single\": [{\"SpecialToken\": {\"id\": \"<|endoftext|>\", \"type_id\": 0}},"
                        + " {\"Sequence\": {\"id\": \"A\", \"type_id\": 0}}], \"special_tokens\": {\"<|endoftext|>\": {\"id\": \"<|endoftext|>\", \"ids\": [260]}},");
        Files.writeString(dir.resolve("chat_template.jinja"), "{{ messages }}");
        Map<String, GgufValue> m = build(tok, """
                {"bos_token": {"content": "<|endoftext|>"}, "eos_token": "<|im_end|>", "pad_token": "<|endoftext|>",
                 "chat_template": [{"name": "default", "template": "D"}, {"name": "tool_use", "template": "T"}]}""", 272);
        assertThat(m.get("tokenizer.ggml.bos_token_id")).isEqualTo(GgufValue.u32(260));
        assertThat(m.get("tokenizer.ggml.padding_token_id")).isEqualTo(GgufValue.u32(260));
        assertThat(m.get("tokenizer.ggml.add_bos_token")).isEqualTo(GgufValue.bool(true));
        assertThat(m.get("tokenizer.ggml.add_eos_token")).isEqualTo(GgufValue.bool(false));
        assertThat(m.get("tokenizer.chat_template")).isEqualTo(GgufValue.of("D"));
        assertThat(m.get("tokenizer.chat_template.tool_use")).isEqualTo(GgufValue.of("T"));
        // without a template in tokenizer_config.json, chat_template.jinja is used
        Map<String, GgufValue> m2 = build(tok, "{}", 272);
        assertThat(m2.get("tokenizer.chat_template")).isEqualTo(GgufValue.of("{{ messages }}"));
    }

    @Test
    void rejectsWhatLlamaCppCannotUse() {
        assertThatThrownBy(() -> build("{\"model\": {\"type\": \"Unigram\", \"vocab\": []}}", "{}", 10))
                .hasMessageContaining("Unigram").hasMessageContaining("byte-level BPE");
        assertThatThrownBy(() -> build(TinyHfModels.tokenizerJson("qwen2"), "{}", 100))
                .hasMessageContaining("outside the model's vocab_size 100");
    }
}
