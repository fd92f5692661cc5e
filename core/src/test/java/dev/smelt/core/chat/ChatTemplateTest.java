package dev.smelt.core.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.smelt.core.SmeltException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ChatTemplateTest {
    private static final Map<String, Object> QWEN_TOKENS = Map.of("eos_token", "<|im_end|>", "pad_token", "<|endoftext|>");

    static String resource(String name) {
        try (InputStream in = ChatTemplateTest.class.getResourceAsStream("/chat-templates/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ChatTemplate template(String name) {
        return ChatTemplate.of(BuiltinChatTemplates.valueOf(name.toUpperCase(Locale.ROOT)).source(), QWEN_TOKENS);
    }

    /**
     * cases.json holds the real Qwen2.5 / Qwen3 / Qwen3.5 templates rendered by Python Jinja2 3.1 set up the
     * way transformers sets it up (see the generator note in core/README.md): every byte must match.
     */
    static Stream<Arguments> referenceCases() throws IOException {
        List<Map<String, Object>> cases = new ObjectMapper().readValue(resource("cases.json"), new TypeReference<>() {});
        return cases.stream().map(c -> Arguments.of(c.get("name"), c));
    }

    @SuppressWarnings("unchecked")
    @ParameterizedTest(name = "{0}")
    @MethodSource("referenceCases")
    void rendersExactlyLikeTransformers(String name, Map<String, Object> c) {
        ChatTemplate t = template((String) c.get("template"));
        List<Map<String, Object>> messages = (List<Map<String, Object>>) c.get("messages");
        boolean agp = (Boolean) c.get("add_generation_prompt");
        Map<String, Object> vars = (Map<String, Object>) c.get("variables");
        if (c.containsKey("error")) {
            assertThatThrownBy(() -> t.renderMaps(messages, agp, vars))
                    .isInstanceOf(SmeltException.class)
                    .hasMessage("chat template rejected the conversation: " + c.get("error"));
        } else {
            assertThat(t.renderMaps(messages, agp, vars)).isEqualTo(c.get("expected"));
        }
    }

    @Test
    void qwen3ClosesAnEmptyThinkBlockForTheLastAssistantTurn() {
        // the output transformers documents for Qwen/Qwen3-0.6B
        String out = template("qwen3").render(List.of(ChatMessage.user("Hi"), ChatMessage.assistant("Hello")), false);
        assertThat(out).isEqualTo("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\nHello<|im_end|>\n");
    }

    @Test
    void qwen3ReasoningContentAndEnableThinking() {
        List<ChatMessage> conv = List.of(
                ChatMessage.system("Be brief."),
                ChatMessage.user("2+2?"),
                ChatMessage.assistant("4", "\nSimple sum.\n"));
        assertThat(template("qwen3").render(conv, false)).isEqualTo(
                "<|im_start|>system\nBe brief.<|im_end|>\n"
                + "<|im_start|>user\n2+2?<|im_end|>\n"
                + "<|im_start|>assistant\n<think>\nSimple sum.\n</think>\n\n4<|im_end|>\n");
        assertThat(template("qwen3").render(conv.subList(0, 2), true, Map.of("enable_thinking", false))).isEqualTo(
                "<|im_start|>system\nBe brief.<|im_end|>\n"
                + "<|im_start|>user\n2+2?<|im_end|>\n"
                + "<|im_start|>assistant\n<think>\n\n</think>\n\n");
    }

    @Test
    void qwen35OpensThinkingInTheGenerationPromptUnlessDisabled() {
        List<ChatMessage> conv = List.of(ChatMessage.user("Hi"));
        assertThat(template("qwen3_5").render(conv, true)).isEqualTo("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\n");
        assertThat(template("qwen3_5").render(conv, true, Map.of("enable_thinking", false)))
                .isEqualTo("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n");
    }

    @Test
    void oneInstanceRendersRepeatedlyAndConcurrently() throws Exception {
        ChatTemplate t = template("qwen3_5");
        List<List<ChatMessage>> convs = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            convs.add(List.of(ChatMessage.system("s" + i), ChatMessage.user("u" + i),
                    ChatMessage.assistant("a" + i, "r" + i), ChatMessage.user("v" + i)));
        }
        List<String> sequential = convs.stream().map(c -> t.render(c, true)).toList();
        assertThat(sequential.get(7)).isEqualTo("<|im_start|>system\ns7<|im_end|>\n<|im_start|>user\nu7<|im_end|>\n"
                + "<|im_start|>assistant\na7<|im_end|>\n<|im_start|>user\nv7<|im_end|>\n<|im_start|>assistant\n<think>\n");
        var pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<String>> futures = new ArrayList<>();
            for (List<ChatMessage> c : convs) futures.add(pool.submit(() -> t.render(c, true)));
            for (int i = 0; i < convs.size(); i++) assertThat(futures.get(i).get()).isEqualTo(sequential.get(i));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void contentIsNeverInterpretedAsTemplateCode() {
        String out = template("qwen2_5").render(List.of(ChatMessage.user("{{ 7 * 7 }} {% if %} {# x #}")), false);
        assertThat(out).contains("user\n{{ 7 * 7 }} {% if %} {# x #}<|im_end|>");
    }

    @Test
    void pythonStringMethodsSlicesAndLoopNeighbours() {
        ChatTemplate t = ChatTemplate.of(
                "{%- for m in messages[::-1] %}{{ m.content.strip('x').upper() }}"
                + "{% if loop.previtem %}<{{ loop.previtem.role }}{% endif %}"
                + "{% if loop.nextitem is defined and loop.nextitem %}>{{ loop.nextitem.role }}{% endif %};{% endfor %}"
                + "{{ messages[0].content.split('a') | tojson }}|{{ 'a,b'.rsplit(',', 1)[-1] }}|{{ 'héllo'[1] }}"
                + "|{{ messages[1:][0].role }}|{{ 'abcdef'[1::2] }}|{{ [1, 2, 3][::-1] }}|{{ True }}{{ None is none }}",
                Map.of());
        String out = t.render(List.of(new ChatMessage("user", "xbanana x"), new ChatMessage("assistant", "ok")), false);
        assertThat(out).isEqualTo("OK>user;BANANA <assistant;[\"xb\", \"n\", \"n\", \" x\"]|b|é|assistant|bdf|[3, 2, 1]|TrueTrue");
    }

    @Test
    void valuesPrintAsPythonPrintsThem() {
        ChatTemplate t = ChatTemplate.of("{{ true }}|{{ false }}|{{ [1, 'a', true] }}|{{ {'k': none} }}|{{ 2.0 }}|{{ 1e-7 }}"
                + "|{{ undefined_thing }}|{{ 7 // 2 }}|{{ 'x' ~ 1 }}", Map.of());
        // expected from Python Jinja2 (except None, which Jinjava cannot tell from undefined)
        assertThat(t.render(List.of(), false)).isEqualTo("True|False|[1, 'a', True]|{'k': None}|2.0|1e-07||3|x1");
    }

    @Test
    void whitespaceControlFollowsJinja2() {
        // expected strings from Python Jinja2 with trim_blocks and lstrip_blocks
        String src = "A\n  {% if true %}\n  B {{- ' C' }}\n  {%+ if true %}D{% endif +%}\n{# note #}\nE {{ 'F' -}}  \n\n G\n{% endif %}\n";
        assertThat(ChatTemplate.of(src, Map.of()).render(List.of(), false)).isEqualTo("A\n  B C\n  D\nE FG\n");
        String src2 = "x {%- if true -%} \n y {%+ if true +%}\n  z{% endif %}{% endif %}\n   {# c #}  w\n";
        assertThat(ChatTemplate.of(src2, Map.of()).render(List.of(), false)).isEqualTo("xy \n  z  w");
    }

    @Test
    void tojsonMatchesPythonJsonDumps() {
        ChatTemplate t = ChatTemplate.of("{{ x | tojson }}|{{ x | tojson(indent=2) }}|{{ y | tojson(ensure_ascii=true) }}", Map.of());
        Map<String, Object> x = new LinkedHashMap<>();
        x.put("b", List.of(1, 2.5, 1e-7, true));
        x.put("a", null);
        x.put("e", Map.of());
        String out = t.renderMaps(List.of(), false, Map.of("x", x, "y", "é\n\"🙂"));
        assertThat(out).isEqualTo("{\"b\": [1, 2.5, 1e-07, true], \"a\": null, \"e\": {}}|{\n  \"b\": [\n    1,\n    2.5,\n    1e-07,\n    true\n  ],\n"
                + "  \"a\": null,\n  \"e\": {}\n}|\"\\u00e9\\n\\\"\\ud83d\\ude42\"");
    }

    @Test
    void specialTokensAreVariables() {
        ChatTemplate t = ChatTemplate.of("{{ bos_token }}{% for m in messages %}{{ m.content }}{{ eos_token }}{% endfor %}",
                Map.of("bos_token", "<s>", "eos_token", "</s>"));
        assertThat(t.render(List.of(ChatMessage.user("hi")), false)).isEqualTo("<s>hi</s>");
    }

    @Test
    void fromModelDirReadsStringListAndJinjaFile(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("tokenizer_config.json"),
                "{\"bos_token\": {\"content\": \"<s>\", \"__type\": \"AddedToken\"}, \"eos_token\": \"</s>\", \"pad_token\": null,"
                + " \"chat_template\": [{\"name\": \"tool_use\", \"template\": \"T{{ bos_token }}\"},"
                + " {\"name\": \"default\", \"template\": \"D{{ bos_token }}{{ eos_token }}{{ pad_token is defined }}\"}]}");
        assertThat(ChatTemplate.fromModelDir(dir).render(List.of(), false)).isEqualTo("D<s></s>False");
        assertThat(ChatTemplate.fromModelDir(dir, "tool_use").render(List.of(), false)).isEqualTo("T<s>");
        assertThatThrownBy(() -> ChatTemplate.fromModelDir(dir, "rag"))
                .isInstanceOf(SmeltException.class).hasMessageContaining("no template named \"rag\" (found: tool_use, default)");

        Files.writeString(dir.resolve("chat_template.jinja"), "J{{ eos_token }}\n");
        assertThat(ChatTemplate.fromModelDir(dir).render(List.of(), false)).isEqualTo("J</s>");
    }

    @Test
    void fromModelDirWithoutTemplateFailsClearly(@TempDir Path dir) throws IOException {
        assertThatThrownBy(() -> ChatTemplate.fromModelDir(dir))
                .isInstanceOf(SmeltException.class)
                .hasMessage(dir + ": no chat template (expected chat_template.jinja or a \"chat_template\" field in tokenizer_config.json)");
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"chat_template\": 3}");
        assertThatThrownBy(() -> ChatTemplate.fromModelDir(dir))
                .isInstanceOf(SmeltException.class).hasMessageContaining("tokenizer_config.json: \"chat_template\" must be a string");
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"chat_template\": ");
        assertThatThrownBy(() -> ChatTemplate.fromModelDir(dir))
                .isInstanceOf(SmeltException.class).hasMessageContaining("tokenizer_config.json: not valid JSON");
    }

    @Test
    void templateErrorsBecomeSmeltExceptions() {
        assertThatThrownBy(() -> ChatTemplate.of("{{ raise_exception('Conversation roles must alternate') }}", Map.of())
                .render(List.of(), false))
                .isInstanceOf(SmeltException.class)
                .hasMessage("chat template rejected the conversation: Conversation roles must alternate");
        assertThatThrownBy(() -> ChatTemplate.of("{% if %}", Map.of()))
                .isInstanceOf(SmeltException.class).hasMessageStartingWith("chat template error at line 1");
        assertThatThrownBy(() -> ChatTemplate.of("a\n{% for m in messages %}{{ m }}", Map.of()))
                .isInstanceOf(SmeltException.class).hasMessageContaining("Missing end tag");
        assertThatThrownBy(() -> ChatTemplate.of("{{ messages|nosuchfilter }}", Map.of()))
                .isInstanceOf(SmeltException.class).hasMessage("chat template uses an unknown filter \"nosuchfilter\"");
        assertThatThrownBy(() -> ChatTemplate.of("{{ nosuchfunction(1) }}", Map.of()).render(List.of(), false))
                .isInstanceOf(SmeltException.class).hasMessageContaining("nosuchfunction");
        assertThatThrownBy(() -> ChatTemplate.of("{{ x ", Map.of()))
                .isInstanceOf(SmeltException.class).hasMessage("chat template line 1: unclosed {{ tag");
    }
}
