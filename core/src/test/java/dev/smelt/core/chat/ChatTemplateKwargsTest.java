package dev.smelt.core.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.smelt.core.SmeltException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ChatTemplateKwargsTest {
    private static final Map<String, Object> QWEN_TOKENS = Map.of("eos_token", "<|im_end|>", "pad_token", "<|endoftext|>");
    private static final ChatTemplateKwargs NO_THINKING = ChatTemplateKwargs.of("enable_thinking", false);
    private static final List<ChatMessage> QUESTION = List.of(ChatMessage.user("Who keeps the anvil?"));
    private static final List<ChatMessage> ANSWERED = List.of(ChatMessage.user("Who keeps the anvil?"),
            ChatMessage.assistant("Ada keeps the anvil."));

    @TempDir Path tmp;

    @Test
    void parsesAJsonObjectAndRefusesAnythingElseInOneLine() {
        assertThat(ChatTemplateKwargs.parse("{\"enable_thinking\": true, \"n\": 2}", "--chat-template-kwargs").values())
                .containsExactly(Map.entry("enable_thinking", true), Map.entry("n", 2));
        assertThatThrownBy(() -> ChatTemplateKwargs.parse("{enable_thinking: true}", "--chat-template-kwargs"))
                .isInstanceOf(SmeltException.class)
                .hasMessageStartingWith("--chat-template-kwargs: not valid JSON")
                .hasMessageNotContaining("\n");
        assertThatThrownBy(() -> ChatTemplateKwargs.parse("[true]", "--chat-template-kwargs"))
                .hasMessage("--chat-template-kwargs: expected a JSON object of template variables such as"
                        + " {\"enable_thinking\": false}, got array");
        assertThatThrownBy(() -> ChatTemplateKwargs.parse("{\"a-b\": 1}", "f.json"))
                .hasMessageContaining("\"a-b\" is not a template variable name");
    }

    @Test
    void laterValuesOverrideEarlierOnes() {
        ChatTemplateKwargs merged = NO_THINKING.overriddenBy(ChatTemplateKwargs.parse("{\"enable_thinking\": true, \"x\": 1}", "t"));
        assertThat(merged.values()).containsExactly(Map.entry("enable_thinking", true), Map.entry("x", 1));
        assertThat(NO_THINKING.overriddenBy(ChatTemplateKwargs.NONE)).isEqualTo(NO_THINKING);
    }

    /**
     * Qwen3 and Qwen3.5 answer without reasoning after an empty think block; with enable_thinking=false baked in as
     * a default, the generation prompt ends in that block, an explicit value still wins, and conversations render
     * exactly as before.
     */
    @ParameterizedTest
    @EnumSource(names = {"QWEN3", "QWEN3_5"})
    void bakedDefaultsChangeOnlyWhatTheCallerLeavesOpen(BuiltinChatTemplates builtin) {
        ChatTemplate original = ChatTemplate.of(builtin.source(), QWEN_TOKENS);
        ChatTemplate baked = ChatTemplate.of(NO_THINKING.asDefaultsOf(builtin.source()), QWEN_TOKENS);
        assertThat(baked.render(QUESTION, true)).endsWith("<|im_start|>assistant\n<think>\n\n</think>\n\n")
                .isEqualTo(original.render(QUESTION, true, NO_THINKING.values()));
        assertThat(baked.render(QUESTION, true, Map.of("enable_thinking", true)))
                .isEqualTo(original.render(QUESTION, true, Map.of("enable_thinking", true)))
                .isNotEqualTo(baked.render(QUESTION, true));
        assertThat(baked.render(ANSWERED, false)).isEqualTo(original.render(ANSWERED, false));
    }

    @Test
    void literalsOfEveryJsonKindRenderAsTheirValues() {
        ChatTemplateKwargs kwargs = ChatTemplateKwargs.parse(
                "{\"s\": \"a \\\"quoted\\\"\\nline\", \"n\": 2.5, \"b\": false, \"l\": [1, \"x\", null], \"m\": {\"k\": true}}", "t");
        String probe = "{{ s }}|{{ n }}|{{ b }}|{{ l[1] }}|{{ l[2] is none }}|{{ m.k }}";
        String rendered = ChatTemplate.of(kwargs.asDefaultsOf(probe), Map.of()).render(List.of(), false);
        assertThat(rendered).isEqualTo("a \"quoted\"\nline|2.5|False|x|True|True");
    }

    @Test
    void bakesIntoEveryTemplateFileOfAModelDirectoryAndRoundTripsItsRecord() throws Exception {
        ObjectMapper json = new ObjectMapper();
        String qwen3 = BuiltinChatTemplates.QWEN3.source();
        Files.writeString(tmp.resolve("tokenizer_config.json"), json.writeValueAsString(
                Map.of("eos_token", "<|im_end|>", "chat_template", qwen3, "model_max_length", 4096)));
        Files.writeString(tmp.resolve("chat_template.jinja"), qwen3);
        NO_THINKING.bakeInto(tmp);
        String expected = NO_THINKING.asDefaultsOf(qwen3);
        assertThat(Files.readString(tmp.resolve("chat_template.jinja"))).isEqualTo(expected);
        var config = json.readTree(tmp.resolve("tokenizer_config.json").toFile());
        assertThat(config.get("chat_template").asText()).isEqualTo(expected);
        assertThat(config.get("model_max_length").asInt()).isEqualTo(4096);
        assertThat(ChatTemplate.fromModelDir(tmp).render(QUESTION, true)).endsWith("assistant\n<think>\n\n</think>\n\n");

        assertThat(ChatTemplateKwargs.read(tmp)).isEqualTo(ChatTemplateKwargs.NONE);
        NO_THINKING.write(tmp);
        assertThat(ChatTemplateKwargs.read(tmp)).isEqualTo(NO_THINKING);
    }

    @Test
    void theLlamaTemplateRendersTheLlama31Layout() {
        ChatTemplate llama = ChatTemplate.of(BuiltinChatTemplates.LLAMA3_1.source(), Map.of("bos_token", "<|begin_of_text|>"));
        assertThat(llama.render(QUESTION, true)).isEqualTo("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n"
                + "Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nWho keeps the anvil?<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n");
    }
}
