package dev.smelt.datasets.render;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smelt.core.chat.BuiltinChatTemplates;
import dev.smelt.core.chat.ChatTemplate;
import dev.smelt.core.tiny.TinyTokenizer;
import dev.smelt.datasets.TestModels;
import dev.smelt.datasets.format.Sample;
import dev.smelt.datasets.format.Turn;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ChatRendererTest {
    private static final Sample.Chat MULTI_TURN = new Sample.Chat(List.of(
            Turn.system("You are terse."),
            Turn.user("What is 2+2?"),
            Turn.assistant("4."),
            Turn.user("And 3+3?"),
            Turn.assistant("6, of course.")));

    private static List<String> spans(RenderedExample r) {
        return r.trained().stream().map(s -> r.text().substring(s.start(), s.end())).toList();
    }

    @Test
    void chatMlSpansAreExactlyEachAnswerAndItsEndOfTurn() {
        RenderedExample r = new ChatRenderer(TestModels.chatTemplate("qwen2_5"), TrainOn.ASSISTANT, false, null).render(MULTI_TURN);
        assertThat(r.text()).isEqualTo("<|im_start|>system\nYou are terse.<|im_end|>\n"
                + "<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n4.<|im_end|>\n"
                + "<|im_start|>user\nAnd 3+3?<|im_end|>\n<|im_start|>assistant\n6, of course.<|im_end|>\n");
        assertThat(spans(r)).containsExactly("4.<|im_end|>", "6, of course.<|im_end|>");
        assertThat(r.addSpecialTokens()).isFalse();
    }

    @Test
    void tinyLlamaTemplateSpansAreEachAnswerAndItsEos() {
        ChatTemplate llama = ChatTemplate.of(BuiltinChatTemplates.LLAMA2.source(), Map.of("eos_token", TinyTokenizer.IM_END));
        RenderedExample r = new ChatRenderer(llama, TrainOn.ASSISTANT, false, null).render(MULTI_TURN);
        assertThat(r.text()).isEqualTo("[INST] <<SYS>>\nYou are terse.\n<</SYS>>\n\nWhat is 2+2? [/INST] 4. <|im_end|>"
                + "[INST] And 3+3? [/INST] 6, of course. <|im_end|>");
        assertThat(spans(r)).containsExactly(" 4. <|im_end|>", " 6, of course. <|im_end|>");
    }

    @Test
    void lastAssistantAndAll() {
        var template = TestModels.chatTemplate("qwen2_5");
        RenderedExample last = new ChatRenderer(template, TrainOn.LAST_ASSISTANT, false, null).render(MULTI_TURN);
        assertThat(spans(last)).containsExactly("6, of course.<|im_end|>");
        RenderedExample all = new ChatRenderer(template, TrainOn.ALL, false, null).render(MULTI_TURN);
        assertThat(spans(all)).containsExactly(all.text());
    }

    @Test
    void qwen35EmptyThinkBlockIsMaskedByDefault() {
        var template = TestModels.chatTemplate("qwen3_5");
        Sample.Chat chat = new Sample.Chat(List.of(Turn.user("Hi"), Turn.assistant("Hello.")));
        RenderedExample masked = new ChatRenderer(template, TrainOn.ASSISTANT, false, null).render(chat);
        assertThat(masked.text()).isEqualTo("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\nHello.<|im_end|>\n");
        assertThat(spans(masked)).containsExactly("Hello.<|im_end|>");

        RenderedExample trained = new ChatRenderer(template, TrainOn.ASSISTANT, true, null).render(chat);
        // The template's generation prompt already holds "<think>\n"; the rest of the block is the answer's.
        assertThat(spans(trained)).containsExactly("\n</think>\n\nHello.<|im_end|>");
    }

    @Test
    void qwen35RealReasoningIsAlwaysTrained() {
        var template = TestModels.chatTemplate("qwen3_5");
        Sample.Chat chat = new Sample.Chat(List.of(Turn.user("Hi"), Turn.assistant("<think>\nThey greet me.\n</think>\n\nHello.")));
        RenderedExample r = new ChatRenderer(template, TrainOn.ASSISTANT, false, null).render(chat);
        assertThat(spans(r)).containsExactly("They greet me.\n</think>\n\nHello.<|im_end|>");
    }

    @Test
    void qwen35MultiTurnFindsEarlierAnswersRenderedWithoutThinkBlock() {
        RenderedExample r = new ChatRenderer(TestModels.chatTemplate("qwen3_5"), TrainOn.ASSISTANT, false, null).render(MULTI_TURN);
        // Earlier answers carry no think block in the full conversation; the last one carries an empty one.
        assertThat(r.text()).contains("<|im_start|>assistant\n4.<|im_end|>")
                .contains("<|im_start|>assistant\n<think>\n\n</think>\n\n6, of course.<|im_end|>");
        assertThat(spans(r)).containsExactly("4.<|im_end|>", "6, of course.<|im_end|>");
    }

    @Test
    void qwen3MultiTurn() {
        RenderedExample r = new ChatRenderer(TestModels.chatTemplate("qwen3"), TrainOn.ASSISTANT, false, null).render(MULTI_TURN);
        assertThat(spans(r)).containsExactly("4.<|im_end|>", "6, of course.<|im_end|>");
        RenderedExample withThink = new ChatRenderer(TestModels.chatTemplate("qwen3"), TrainOn.ASSISTANT, true, null).render(MULTI_TURN);
        assertThat(spans(withThink)).containsExactly("4.<|im_end|>", "<think>\n\n</think>\n\n6, of course.<|im_end|>");
    }

    @Test
    void rawTextGetsEosAndIsTrainedWhole() {
        RenderedExample r = new ChatRenderer(null, TrainOn.ASSISTANT, false, "<|endoftext|>").render(new Sample.Text("abc"));
        assertThat(r.text()).isEqualTo("abc<|endoftext|>");
        assertThat(spans(r)).containsExactly("abc<|endoftext|>");
        assertThat(r.addSpecialTokens()).isTrue();
    }

    @Test
    void shapeShortcutGivesTheSameSpansAsIncrementalRendering() {
        SplittableRandom rnd = new SplittableRandom(5);
        String[] contents = {"Hi.", "  padded  ", "multi\nline\n", "<think>\nhmm\n</think>\n\nYes.", "ünïcödé 🙂", "a", "x y z"};
        for (String name : List.of("qwen2_5", "qwen3", "qwen3_5")) {
            for (TrainOn mode : TrainOn.values()) {
                for (boolean think : new boolean[] {false, true}) {
                    ChatRenderer renderer = new ChatRenderer(TestModels.chatTemplate(name), mode, think, null);
                    for (int k = 0; k < 10; k++) {
                        List<Turn> turns = new ArrayList<>();
                        if (rnd.nextBoolean()) turns.add(Turn.system(contents[rnd.nextInt(contents.length)]));
                        int exchanges = 1 + rnd.nextInt(3);
                        for (int e = 0; e < exchanges; e++) {
                            turns.add(Turn.user(contents[rnd.nextInt(contents.length)]));
                            turns.add(Turn.assistant(contents[rnd.nextInt(contents.length)]));
                        }
                        Sample.Chat chat = new Sample.Chat(turns);
                        RenderedExample fast = renderer.render(chat);
                        RenderedExample slow = renderer.renderIncrementally(chat);
                        assertThat(fast).as(name + " " + mode + " think=" + think + " " + turns).isEqualTo(slow);
                    }
                }
            }
        }
    }
}
