package dev.smelt.models.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import dev.smelt.core.SmeltException;
import dev.smelt.core.chat.ChatMessage;
import dev.smelt.core.model.Architecture;
import dev.smelt.core.model.ModelDirectory;
import dev.smelt.models.TestModels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GeneratorTest {
    @TempDir static Path tmp;
    static LanguageModel lm;

    @BeforeAll
    static void load() throws Exception {
        Path dir = TestModels.write(tmp.resolve("m"), TestModels.textConfig(Architecture.QWEN2), 11);
        TestModels.writeTokenizer(dir);
        lm = LanguageModel.open(ModelDirectory.open(dir), Device.cpu(), DataType.FLOAT32);
    }

    @AfterAll
    static void close() {
        lm.close();
    }

    @Test
    void greedyEqualsArgmaxOfFullForwardAtEveryStep() {
        long[] prompt = lm.encodePrompt("Hello");
        assertThat(prompt).startsWith(256L).hasSize(6);
        SamplingParams p = SamplingParams.greedy(12, List.of());
        GenerationResult r = lm.generate(prompt, p, null);
        assertThat(r.tokenIds()).hasSize(12);
        long[] seq = prompt;
        for (int tok : r.tokenIds()) {
            float[][] rows = lm.generator().promptLogits(seq);
            assertThat(Sampler_argmax(rows[rows.length - 1])).isEqualTo(tok);
            seq = append(seq, tok);
        }
    }

    @Test
    void streamedPiecesConcatenateToTheResultText() {
        List<String> pieces = new ArrayList<>();
        List<Integer> ids = new ArrayList<>();
        GenerationResult r = lm.generate(lm.encodePrompt("abc"), SamplingParams.greedy(20, List.of()).withTemperature(0.9)
                .withSeed(5L), (id, text) -> {
                    pieces.add(text);
                    if (id >= 0) ids.add(id);
                });
        assertThat(String.join("", pieces)).isEqualTo(r.text());
        assertThat(ids).isEqualTo(r.tokenIds());
        assertThat(r.text()).isEqualTo(lm.tokenizer().decode(r.tokenIds().stream().mapToLong(Integer::longValue).toArray(), true));
    }

    @Test
    void seededSamplingIsReproducibleAndFiltersApply() {
        SamplingParams p = new SamplingParams(16, 1.3, 5, 0.9, 1.2, 42L, Set.of());
        long[] prompt = lm.encodePrompt("xyz");
        assertThat(lm.generate(prompt, p, null).tokenIds()).isEqualTo(lm.generate(prompt, p, null).tokenIds());
        // top-k 1 is greedy whatever the temperature
        SamplingParams k1 = new SamplingParams(8, 2.0, 1, 1.0, 1.0, 7L, Set.of());
        assertThat(lm.generate(prompt, k1, null).tokenIds())
                .isEqualTo(lm.generate(prompt, SamplingParams.greedy(8, List.of()), null).tokenIds());
    }

    @Test
    void stopsAtEosWithoutEmittingIt() {
        long[] prompt = lm.encodePrompt("Hi");
        GenerationResult free = lm.generate(prompt, SamplingParams.greedy(6, List.of()), null);
        int stopAt = free.tokenIds().get(3);
        GenerationResult r = lm.generate(prompt, SamplingParams.greedy(6, List.of(stopAt)), null);
        assertThat(r.stopReason()).isEqualTo(StopReason.STOP_TOKEN);
        assertThat(r.tokenIds()).doesNotContain(stopAt);
        assertThat(r.tokenIds()).isEqualTo(free.tokenIds().subList(0, free.tokenIds().indexOf(stopAt)));
    }

    @Test
    void chatUsesTheModelsTemplateWithGenerationPrompt() {
        String text = lm.renderChat(List.of(ChatMessage.user("hey")));
        assertThat(text).isEqualTo("<s><|user|>hey\n<|assistant|>");
        long[] ids = lm.encodeChat(List.of(ChatMessage.user("hey")));
        assertThat(ids[0]).isEqualTo(256);
        assertThat(ids[ids.length - 1]).isEqualTo(259);
    }

    @Test
    void promptOverTheContextLimitIsRejected() {
        long[] prompt = new long[128];
        assertThatThrownBy(() -> lm.generate(prompt, SamplingParams.greedy(4, List.of()), null))
                .isInstanceOf(SmeltException.class).hasMessageContaining("context limit is 128");
    }

    @Test
    void generationStopsAtTheContextLimit() {
        GenerationResult r = lm.generate(new long[120], SamplingParams.greedy(50, List.of()), null);
        assertThat(r.tokenIds()).hasSize(8);
        assertThat(r.stopReason()).isEqualTo(StopReason.LENGTH);
    }

    private static int Sampler_argmax(float[] row) {
        return Sampler.argmax(row);
    }

    private static long[] append(long[] a, long v) {
        long[] out = Arrays.copyOf(a, a.length + 1);
        out[a.length] = v;
        return out;
    }
}
