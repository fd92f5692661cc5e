package dev.smelt.datasets.tokenize;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smelt.core.tiny.TinyTokenizer;
import dev.smelt.datasets.TestModels;
import dev.smelt.datasets.format.Sample;
import dev.smelt.datasets.format.Turn;
import dev.smelt.datasets.prepare.DataOptions;
import dev.smelt.datasets.prepare.ModelText;
import dev.smelt.datasets.render.TrainOn;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Token-level loss masks, with the tiny byte-level BPE tokenizer and real Qwen templates. */
class MaskingTest {
    @TempDir
    static Path dir;

    static ModelText chatMl;
    static ModelText qwen35;
    static ModelText base;

    @BeforeAll
    static void load() {
        chatMl = ModelText.load(TestModels.modelDir(dir, "qwen2_5"));
        qwen35 = ModelText.load(TestModels.modelDir(dir, "qwen3_5"));
        base = ModelText.load(TestModels.modelDir(dir, null));
    }

    @AfterAll
    static void close() {
        chatMl.close();
        qwen35.close();
        base.close();
    }

    private static TokenizedExample tokenize(ModelText model, DataOptions options, Sample sample) {
        return model.exampleTokenizer().tokenize(model.renderer(options).render(sample));
    }

    /** The maximal runs of trained token ids. */
    private static List<int[]> trainedRuns(TokenizedExample ex) {
        List<int[]> runs = new ArrayList<>();
        int start = -1;
        for (int t = 0; t <= ex.length(); t++) {
            boolean trained = t < ex.length() && ex.labels()[t] != TokenizedExample.IGNORE;
            if (trained && start < 0) start = t;
            if (!trained && start >= 0) {
                runs.add(Arrays.copyOfRange(ex.inputIds(), start, t));
                start = -1;
            }
        }
        return runs;
    }

    private static int[] concat(int[] a, int... b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void chatMlMultiTurnTrainsExactlyEachAnswerPlusItsEndOfTurnToken() {
        String first = "Paris is the capital.";
        String second = "Berlin, since 1990 — über alles? No: 🙂 just Berlin.";
        Sample.Chat chat = new Sample.Chat(List.of(
                Turn.system("You answer geography questions."),
                Turn.user("Capital of France?"),
                Turn.assistant(first),
                Turn.user("And of Germany?"),
                Turn.assistant(second)));
        TokenizedExample ex = tokenize(chatMl, DataOptions.builder().build(), chat);
        DatasetTokenizer tok = chatMl.tokenizer();
        int imEnd = TestModels.tokenizer().imEndId();

        List<int[]> runs = trainedRuns(ex);
        assertThat(runs).hasSize(2);
        assertThat(runs.get(0)).containsExactly(concat(tok.encode(first, false).ids(), imEnd));
        assertThat(runs.get(1)).containsExactly(concat(tok.encode(second, false).ids(), imEnd));
        assertThat(tok.decode(runs.get(0))).isEqualTo(first + TinyTokenizer.IM_END);
        assertThat(tok.decode(runs.get(1))).isEqualTo(second + TinyTokenizer.IM_END);
        // every label is either the input id or -100, and the full sequence decodes to the rendering
        for (int t = 0; t < ex.length(); t++) {
            assertThat(ex.labels()[t]).isIn(TokenizedExample.IGNORE, ex.inputIds()[t]);
        }
        assertThat(tok.decode(ex.inputIds())).isEqualTo(chatMl.renderer(DataOptions.builder().build()).render(chat).text());
    }

    @Test
    void trainOnAllAndLastAssistant() {
        Sample.Chat chat = new Sample.Chat(List.of(Turn.user("a?"), Turn.assistant("b."), Turn.user("c?"), Turn.assistant("d.")));
        TokenizedExample all = tokenize(chatMl, DataOptions.builder().trainOn(TrainOn.ALL).build(), chat);
        assertThat(all.trainedTokens()).isEqualTo(all.length() - 1); // all but the first token, which nothing predicts
        TokenizedExample last = tokenize(chatMl, DataOptions.builder().trainOn(TrainOn.LAST_ASSISTANT).build(), chat);
        assertThat(trainedRuns(last)).singleElement()
                .satisfies(run -> assertThat(chatMl.tokenizer().decode(run)).isEqualTo("d." + TinyTokenizer.IM_END));
    }

    @Test
    void qwen35ThinkBlockTokensAreMaskedUnlessAskedFor() {
        Sample.Chat chat = new Sample.Chat(List.of(Turn.user("Hi"), Turn.assistant("Hello there.")));
        TokenizedExample masked = tokenize(qwen35, DataOptions.builder().build(), chat);
        assertThat(trainedRuns(masked)).singleElement()
                .satisfies(run -> assertThat(qwen35.tokenizer().decode(run)).isEqualTo("Hello there.<|im_end|>"));

        TokenizedExample trained = tokenize(qwen35, DataOptions.builder().trainOnEmptyThinkBlock(true).build(), chat);
        // The answer's text starts at "\n</think>", but the generation prompt's "<think>\n" and that "\n" merge into
        // one "\n\n" token that starts inside the prompt, so it stays masked: a token is trained when it starts in the span.
        assertThat(trainedRuns(trained)).singleElement()
                .satisfies(run -> assertThat(qwen35.tokenizer().decode(run)).isEqualTo("</think>\n\nHello there.<|im_end|>"));
        int closeThink = TestModels.tokenizer().id("</think>");
        assertThat(trainedRuns(trained).get(0)).contains(closeThink);
        assertThat(trainedRuns(masked).get(0)).doesNotContain(closeThink);
    }

    @Test
    void rawTextTrainsEverythingAndEndsWithEos() {
        TokenizedExample ex = tokenize(base, DataOptions.builder().build(), new Sample.Text("plain words"));
        assertThat(ex.inputIds()[ex.length() - 1]).isEqualTo(TestModels.tokenizer().imEndId()); // eos of the tiny tokenizer
        assertThat(ex.labels()[0]).isEqualTo(TokenizedExample.IGNORE);
        assertThat(ex.trainedTokens()).isEqualTo(ex.length() - 1);
    }
}
