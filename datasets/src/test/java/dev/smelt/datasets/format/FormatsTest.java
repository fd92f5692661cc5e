package dev.smelt.datasets.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.smelt.core.SmeltException;
import dev.smelt.datasets.source.RowLocation;
import java.util.List;
import org.junit.jupiter.api.Test;

class FormatsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final RowLocation AT = RowLocation.line("data.jsonl", 1234);

    private static JsonNode row(String json) {
        try {
            return JSON.readTree(json);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static Sample parse(FormatName f, String json) {
        return parse(f, FieldMap.DEFAULT, json);
    }

    private static Sample parse(FormatName f, FieldMap fields, String json) {
        return DataFormat.of(f, fields).parse(row(json), AT);
    }

    private static List<Turn> turns(Sample s) {
        return ((Sample.Chat) s).turns();
    }

    @Test
    void messagesWithTopLevelSystemAndContentParts() {
        Sample s = parse(FormatName.MESSAGES, "{\"system\":\"Be brief.\",\"messages\":["
                + "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"Hi \"},{\"type\":\"text\",\"text\":\"there\"}]},"
                + "{\"role\":\"assistant\",\"content\":\"Hello!\"}]}");
        assertThat(turns(s)).containsExactly(Turn.system("Be brief."), Turn.user("Hi there"), Turn.assistant("Hello!"));
    }

    @Test
    void shareGpt() {
        Sample s = parse(FormatName.SHAREGPT, "{\"conversations\":[{\"from\":\"system\",\"value\":\"S\"},"
                + "{\"from\":\"human\",\"value\":\"Q\"},{\"from\":\"gpt\",\"value\":\"A\"}]}");
        assertThat(turns(s)).containsExactly(Turn.system("S"), Turn.user("Q"), Turn.assistant("A"));
    }

    @Test
    void alpacaJoinsInstructionAndInput() {
        assertThat(turns(parse(FormatName.ALPACA, "{\"instruction\":\"Translate\",\"input\":\"chat\",\"output\":\"cat\"}")))
                .containsExactly(Turn.user("Translate\n\nchat"), Turn.assistant("cat"));
        assertThat(turns(parse(FormatName.ALPACA, "{\"instruction\":\"Say hi\",\"input\":\"\",\"output\":\"hi\"}")))
                .containsExactly(Turn.user("Say hi"), Turn.assistant("hi"));
    }

    @Test
    void promptCompletionAsStringsAndAsMessageLists() {
        assertThat(turns(parse(FormatName.PROMPT_COMPLETION, "{\"prompt\":\"2+2?\",\"completion\":\"4\"}")))
                .containsExactly(Turn.user("2+2?"), Turn.assistant("4"));
        assertThat(turns(parse(FormatName.PROMPT_COMPLETION, "{\"prompt\":[{\"role\":\"system\",\"content\":\"S\"},"
                + "{\"role\":\"user\",\"content\":\"Q\"}],\"completion\":[{\"role\":\"assistant\",\"content\":\"A\"}]}")))
                .containsExactly(Turn.system("S"), Turn.user("Q"), Turn.assistant("A"));
    }

    @Test
    void text() {
        assertThat(parse(FormatName.TEXT, "{\"text\":\"once upon a time\"}")).isEqualTo(new Sample.Text("once upon a time"));
    }

    @Test
    void fieldMappingRenamesColumnsAndKeys() {
        FieldMap fields = FieldMap.parse(List.of("messages=dialog", "role=speaker", "content=said"));
        Sample s = parse(FormatName.MESSAGES, fields, "{\"dialog\":[{\"speaker\":\"user\",\"said\":\"Q\"},"
                + "{\"speaker\":\"assistant\",\"said\":\"A\"}]}");
        assertThat(turns(s)).containsExactly(Turn.user("Q"), Turn.assistant("A"));
        assertThat(FormatDetector.detect(row("{\"dialog\":[]}"), fields, AT)).isEqualTo(FormatName.MESSAGES);
    }

    @Test
    void fieldMapRejectsUnknownFieldsAndBadPairs() {
        assertThatThrownBy(() -> FieldMap.parse(List.of("messagez=x"))).hasMessageContaining("unknown field 'messagez'");
        assertThatThrownBy(() -> FieldMap.parse(List.of("messages"))).hasMessageContaining("expected FIELD=COLUMN");
    }

    @Test
    void detection() {
        assertThat(FormatDetector.detect(row("{\"messages\":[]}"), FieldMap.DEFAULT, AT)).isEqualTo(FormatName.MESSAGES);
        assertThat(FormatDetector.detect(row("{\"conversations\":[]}"), FieldMap.DEFAULT, AT)).isEqualTo(FormatName.SHAREGPT);
        assertThat(FormatDetector.detect(row("{\"instruction\":\"i\",\"output\":\"o\"}"), FieldMap.DEFAULT, AT)).isEqualTo(FormatName.ALPACA);
        assertThat(FormatDetector.detect(row("{\"prompt\":\"p\",\"completion\":\"c\"}"), FieldMap.DEFAULT, AT)).isEqualTo(FormatName.PROMPT_COMPLETION);
        assertThat(FormatDetector.detect(row("{\"text\":\"t\"}"), FieldMap.DEFAULT, AT)).isEqualTo(FormatName.TEXT);
        assertThatThrownBy(() -> FormatDetector.detect(row("{\"q\":1,\"a\":2}"), FieldMap.DEFAULT, AT))
                .isInstanceOf(SmeltException.class).hasMessageStartingWith("data.jsonl:1234: cannot detect the data format from fields [q, a]");
        assertThat(FormatName.parse("prompt_completion")).isEqualTo(FormatName.PROMPT_COMPLETION);
        assertThatThrownBy(() -> FormatName.parse("chatml")).hasMessageContaining("unknown format 'chatml'");
    }

    // ---- bad rows: every case names file and line

    @Test
    void missingRequiredField() {
        assertThatThrownBy(() -> parse(FormatName.ALPACA, "{\"instruction\":\"i\"}"))
                .isInstanceOf(InvalidRowException.class).hasMessage("data.jsonl:1234: missing \"output\"");
        assertThatThrownBy(() -> parse(FormatName.MESSAGES, "{\"msgs\":[]}")).hasMessage("data.jsonl:1234: missing \"messages\"");
        assertThatThrownBy(() -> parse(FormatName.PROMPT_COMPLETION, "{\"prompt\":\"p\"}")).hasMessage("data.jsonl:1234: missing \"completion\"");
        assertThatThrownBy(() -> parse(FormatName.TEXT, "{\"body\":\"x\"}")).hasMessage("data.jsonl:1234: missing \"text\"");
        assertThatThrownBy(() -> parse(FormatName.SHAREGPT, "{\"conversations\":[{\"value\":\"x\"}]}"))
                .hasMessage("data.jsonl:1234: \"conversations\"[0] missing \"from\"");
    }

    @Test
    void mappedFieldIsNamedByItsColumn() {
        assertThatThrownBy(() -> parse(FormatName.ALPACA, FieldMap.parse(List.of("output=response")), "{\"instruction\":\"i\"}"))
                .hasMessage("data.jsonl:1234: missing \"response\"");
    }

    @Test
    void unknownRole() {
        assertThatThrownBy(() -> parse(FormatName.MESSAGES, "{\"messages\":[{\"role\":\"user\",\"content\":\"q\"},"
                + "{\"role\":\"bot\",\"content\":\"a\"}]}"))
                .isInstanceOf(InvalidRowException.class)
                .hasMessage("data.jsonl:1234: unknown role \"bot\" in \"messages\"[1] (expected system, user, assistant or tool)");
        assertThatThrownBy(() -> parse(FormatName.SHAREGPT, "{\"conversations\":[{\"from\":\"robot\",\"value\":\"a\"}]}"))
                .hasMessageContaining("unknown role \"robot\"");
    }

    @Test
    void emptyAssistantTurn() {
        assertThatThrownBy(() -> parse(FormatName.MESSAGES, "{\"messages\":[{\"role\":\"user\",\"content\":\"q\"},"
                + "{\"role\":\"assistant\",\"content\":\"  \"}]}"))
                .isInstanceOf(InvalidRowException.class).hasMessage("data.jsonl:1234: empty assistant turn in \"messages\"[1]");
        assertThatThrownBy(() -> parse(FormatName.MESSAGES, "{\"messages\":[{\"role\":\"user\",\"content\":\"q\"},"
                + "{\"role\":\"assistant\"}]}")).hasMessageContaining("empty assistant turn");
        assertThatThrownBy(() -> parse(FormatName.ALPACA, "{\"instruction\":\"i\",\"output\":\"\"}"))
                .hasMessage("data.jsonl:1234: empty assistant turn (\"output\")");
        assertThatThrownBy(() -> parse(FormatName.PROMPT_COMPLETION, "{\"prompt\":\"p\",\"completion\":\"\"}"))
                .hasMessageContaining("empty assistant turn");
    }

    @Test
    void conversationWithoutAssistantTurn() {
        assertThatThrownBy(() -> parse(FormatName.MESSAGES, "{\"messages\":[{\"role\":\"user\",\"content\":\"q\"}]}"))
                .hasMessage("data.jsonl:1234: no assistant turn in \"messages\"");
    }

    @Test
    void wrongTypes() {
        assertThatThrownBy(() -> parse(FormatName.MESSAGES, "{\"messages\":\"hi\"}"))
                .hasMessage("data.jsonl:1234: \"messages\" must be a list of messages, found string");
        assertThatThrownBy(() -> parse(FormatName.ALPACA, "{\"instruction\":[1],\"output\":\"o\"}"))
                .hasMessage("data.jsonl:1234: \"instruction\" must be a string, found an array");
        assertThatThrownBy(() -> parse(FormatName.MESSAGES, "{\"messages\":[{\"role\":\"user\",\"content\":"
                + "[{\"type\":\"audio\",\"audio\":\"x.wav\"}]},{\"role\":\"assistant\",\"content\":\"a\"}]}"))
                .hasMessage("data.jsonl:1234: \"messages\"[0].content[0] is a \"audio\" part; content parts can be \"text\" or \"image\"");
        assertThatThrownBy(() -> parse(FormatName.MESSAGES, "{\"system\":\"s\",\"messages\":[{\"role\":\"system\",\"content\":\"t\"},"
                + "{\"role\":\"user\",\"content\":\"q\"},{\"role\":\"assistant\",\"content\":\"a\"}]}"))
                .hasMessageContaining("both \"system\" and a system message");
    }

    @Test
    void csvNumbersAreText() {
        assertThat(turns(parse(FormatName.PROMPT_COMPLETION, "{\"prompt\":\"2+2\",\"completion\":4}")).get(1).content()).isEqualTo("4");
    }
}
