package dev.smelt.datasets.render;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smelt.core.chat.BuiltinChatTemplates;
import dev.smelt.core.chat.ChatMessage;
import dev.smelt.core.chat.ChatTemplate;
import dev.smelt.core.chat.ChatTemplateKwargs;
import dev.smelt.core.tiny.TinyTokenizer;
import dev.smelt.datasets.TestModels;
import dev.smelt.datasets.format.Sample;
import dev.smelt.datasets.format.Turn;
import dev.smelt.datasets.prepare.DataOptions;
import dev.smelt.datasets.prepare.DataPreparer;
import dev.smelt.datasets.prepare.PreparedData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class TrainedRenderingTest {
    private static final Sample.Chat PLAIN = new Sample.Chat(List.of(
            Turn.user("Who keeps the anvil?"), Turn.assistant("Ada keeps the anvil."),
            Turn.user("What colour is the forge?"), Turn.assistant("The forge glows orange.")));
    private static final Sample.Chat REASONED = new Sample.Chat(List.of(
            Turn.user("Who keeps the anvil?"), Turn.assistant("<think>\nThe smith's daughter.\n</think>\n\nAda keeps the anvil.")));

    @TempDir Path tmp;

    private static ChatTemplate template(BuiltinChatTemplates t) {
        return ChatTemplate.of(t.source(), Map.of("eos_token", TinyTokenizer.IM_END, "bos_token", "<|begin_of_text|>"));
    }

    /**
     * The point of the decision: with the kwargs recorded for plain Q&amp;A, the generation prompt for the last question
     * is exactly the text before the answer's first trained character, on every real template.
     */
    @ParameterizedTest
    @EnumSource(BuiltinChatTemplates.class)
    void thePromptWithTheDecidedKwargsEndsWhereTheTrainedAnswerBegins(BuiltinChatTemplates builtin) {
        ChatTemplate template = template(builtin);
        RenderedExample r = new ChatRenderer(template, TrainOn.ASSISTANT, false, null).render(PLAIN);
        assertThat(r.reasoning()).isFalse();
        ChatTemplateKwargs kwargs = TrainedRendering.decide(template, 1, 0);
        boolean thinking = builtin == BuiltinChatTemplates.QWEN3 || builtin == BuiltinChatTemplates.QWEN3_5;
        assertThat(kwargs).isEqualTo(thinking ? ChatTemplateKwargs.of("enable_thinking", false) : ChatTemplateKwargs.NONE);

        List<ChatMessage> before = ChatRenderer.toMessages(PLAIN.turns().subList(0, 3));
        CharSpan last = r.trained().get(r.trained().size() - 1);
        assertThat(template.render(before, true, kwargs.values())).isEqualTo(r.text().substring(0, last.start()));
        assertThat(r.text().substring(last.start()).stripLeading()).startsWith("The forge glows orange.");
        if (thinking) {
            // the template's own defaults stop elsewhere: the mismatch this decision removes
            assertThat(template.render(before, true)).isNotEqualTo(r.text().substring(0, last.start()));
        }
    }

    @Test
    void reasoningInTheDataKeepsTheTemplateDefaults() {
        ChatTemplate qwen3 = template(BuiltinChatTemplates.QWEN3);
        assertThat(new ChatRenderer(qwen3, TrainOn.ASSISTANT, false, null).render(REASONED).reasoning()).isTrue();
        assertThat(TrainedRendering.decide(qwen3, 10, 1)).isEqualTo(ChatTemplateKwargs.NONE);
        assertThat(TrainedRendering.decide(qwen3, 0, 0)).as("raw text only").isEqualTo(ChatTemplateKwargs.NONE);
        assertThat(TrainedRendering.decide(null, 10, 0)).isEqualTo(ChatTemplateKwargs.NONE);
    }

    @Test
    void anEmptyThinkBlockInTheDataIsNoReasoning() {
        assertThat(ThinkBlocks.hasReasoning(List.of(Turn.assistant("<think>\n\n</think>\n\nHello.")))).isFalse();
        assertThat(ThinkBlocks.hasReasoning(List.of(Turn.assistant("no tags at all")))).isFalse();
        assertThat(ThinkBlocks.hasReasoning(List.of(Turn.user("<think>x</think>"), Turn.assistant("Hi")))).isFalse();
        assertThat(ThinkBlocks.hasReasoning(List.of(Turn.assistant("closing only</think>Hi")))).isTrue();
    }

    @Test
    void preparedDataCarriesTheDecisionOverTrainingAndValidationData() throws Exception {
        Path model = TestModels.modelDir(tmp, "qwen3");
        Path plain = Files.writeString(tmp.resolve("plain.jsonl"),
                "{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"},{\"role\":\"assistant\",\"content\":\"Hello.\"}]}\n");
        Path reasoned = Files.writeString(tmp.resolve("reasoned.jsonl"),
                "{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"},{\"role\":\"assistant\",\"content\":\"<think>greet</think>Hello.\"}]}\n");
        DataOptions opts = DataOptions.builder().threads(1).build();
        try (PreparedData d = DataPreparer.builder().data(plain.toString()).model(model).options(opts).build()) {
            assertThat(d.chatTemplateKwargs()).isEqualTo(ChatTemplateKwargs.of("enable_thinking", false));
        }
        try (PreparedData d = DataPreparer.builder().data(plain.toString()).valData(List.of(reasoned.toString()))
                .model(model).options(opts).build()) {
            assertThat(d.chatTemplateKwargs()).isEqualTo(ChatTemplateKwargs.NONE);
        }
    }
}
