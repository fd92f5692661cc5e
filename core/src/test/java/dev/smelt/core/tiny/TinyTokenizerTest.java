package dev.smelt.core.tiny;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.smelt.core.SmeltException;
import dev.smelt.core.chat.BuiltinChatTemplates;
import dev.smelt.core.chat.ChatMessage;
import dev.smelt.core.chat.ChatTemplate;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TinyTokenizerTest {
    private static final int VOCAB = 700;
    @TempDir
    static Path dir;
    static TinyTokenizer tiny;
    static HuggingFaceTokenizer hf;

    @BeforeAll
    static void load() throws IOException {
        tiny = TinyTokenizer.train(VOCAB);
        tiny.writeTo(dir, BuiltinChatTemplates.QWEN3.source(), 4096);
        hf = HuggingFaceTokenizer.newInstance(dir.resolve("tokenizer.json"), Map.of("addSpecialTokens", "false"));
    }

    @AfterAll
    static void close() {
        if (hf != null) hf.close();
    }

    @Test
    void hasExactlyTheRequestedSizeWithAddedTokensLast() {
        assertThat(tiny.size()).isEqualTo(VOCAB);
        assertThat(tiny.merges()).hasSize(VOCAB - 256 - TinyTokenizer.ADDED_TOKENS.size());
        assertThat(tiny.endOfTextId()).isEqualTo(VOCAB - TinyTokenizer.ADDED_TOKENS.size());
        assertThat(tiny.token(VOCAB - 1)).isEqualTo("</think>");
        assertThat(tiny.token(0)).isEqualTo("!");
        assertThat(tiny.token(220)).isEqualTo("Ġ"); // same byte ids as GPT-2 / Qwen: space, newline
        assertThat(tiny.token(198)).isEqualTo("Ċ");
    }

    @Test
    void trainingIsDeterministicAndSmallerVocabulariesArePrefixes() {
        TinyTokenizer again = TinyTokenizer.trainUncached(VOCAB);
        assertThat(again).isNotSameAs(tiny);
        assertThat(again.tokenizerJson()).isEqualTo(tiny.tokenizerJson());
        TinyTokenizer smaller = TinyTokenizer.train(400);
        for (int i = 0; i < 400 - TinyTokenizer.ADDED_TOKENS.size(); i++) assertThat(smaller.token(i)).isEqualTo(tiny.token(i));
    }

    @Test
    void rejectsVocabulariesWithoutRoomForBytesAndAddedTokens() {
        assertThatThrownBy(() -> TinyTokenizer.train(TinyTokenizer.MIN_VOCAB - 1))
                .isInstanceOf(SmeltException.class).hasMessageContaining("minimum " + TinyTokenizer.MIN_VOCAB);
        assertThat(TinyTokenizer.train(TinyTokenizer.MIN_VOCAB).merges()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "Hello world, this is the tiny tokenizer.",
        "emoji 🙂👍🏽 and ZWJ 👨‍👩‍👧 family",
        "日本語のテキスト 和 中文，한국어",
        "combining e\u0301 a\u0308 n\u0303 vs é ä ñ (no normalisation)",
        "control \u0000\u0001\u0007\u001b[31m\u007f\u0085 chars",
        "   leading, trailing   \t\t tabs \n\n\n   \r\n runs   ",
        "def f(x):\n    return {\"a\": [1, 2.5e-3]}\n",
        "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 outside the BMP 𐍈",
        " "
    })
    void roundTripsArbitraryUtf8(String text) {
        long[] ids = hf.encode(text).getIds();
        assertThat(hf.decode(ids, false)).isEqualTo(text);
        assertThat(hf.decode(ids, true)).isEqualTo(text);
        assertThat(Arrays.stream(ids).allMatch(id -> id >= 0 && id < tiny.size())).isTrue();
    }

    @Test
    void mergesAreUsed() {
        String text = "the river and the market";
        long[] ids = hf.encode(text).getIds();
        assertThat(ids.length).isLessThan(text.getBytes(StandardCharsets.UTF_8).length / 2);
        assertThat(hf.encode(" the").getIds()).containsExactly(tiny.id("Ġthe"));
    }

    @Test
    void addedTokensEncodeToSingleIdsAndSpecialOnesAreSkippedOnDecode() {
        String text = "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\nok\n</think>\n\nBye<|im_end|><|endoftext|>";
        long[] ids = hf.encode(text).getIds();
        assertThat(count(ids, tiny.imStartId())).isEqualTo(2);
        assertThat(count(ids, tiny.imEndId())).isEqualTo(2);
        assertThat(count(ids, tiny.endOfTextId())).isEqualTo(1);
        assertThat(count(ids, tiny.id("<think>"))).isEqualTo(1);
        assertThat(count(ids, tiny.id("</think>"))).isEqualTo(1);
        assertThat(hf.decode(ids, false)).isEqualTo(text);
        // <think> is an added but non-special token in Qwen3, so it survives skip_special_tokens
        assertThat(hf.decode(ids, true)).isEqualTo("user\nHi\nassistant\n<think>\nok\n</think>\n\nBye");
    }

    @Test
    void tokenizerConfigIsQwenStyleAndItsTemplateRenders() throws IOException {
        JsonNode cfg = new ObjectMapper().readTree(Files.readString(dir.resolve("tokenizer_config.json")));
        assertThat(cfg.get("tokenizer_class").asText()).isEqualTo("Qwen2Tokenizer");
        assertThat(cfg.get("bos_token").isNull()).isTrue();
        assertThat(cfg.get("eos_token").asText()).isEqualTo("<|im_end|>");
        assertThat(cfg.get("pad_token").asText()).isEqualTo("<|endoftext|>");
        assertThat(cfg.get("model_max_length").asInt()).isEqualTo(4096);
        assertThat(cfg.get("added_tokens_decoder").get(Integer.toString(tiny.imEndId())).get("special").asBoolean()).isTrue();
        String prompt = ChatTemplate.fromModelDir(dir).render(List.of(ChatMessage.user("Hi")), true, Map.of("enable_thinking", false));
        assertThat(prompt).isEqualTo("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n");
        long[] ids = hf.encode(prompt).getIds();
        assertThat(ids[0]).isEqualTo(tiny.imStartId());
        assertThat(hf.decode(ids, false)).isEqualTo(prompt);
    }

    private static long count(long[] ids, int id) {
        return Arrays.stream(ids).filter(x -> x == id).count();
    }
}
