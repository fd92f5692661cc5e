package dev.smelt.datasets.inspect;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smelt.datasets.TestModels;
import dev.smelt.datasets.format.FormatName;
import dev.smelt.datasets.prepare.DataOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataInspectorTest {
    @TempDir
    Path dir;

    @Test
    void reportsStatisticsAndMarksExactlyTheTrainedTokens() throws Exception {
        Path model = TestModels.modelDir(dir, "qwen3_5");
        Path data = dir.resolve("d.jsonl");
        Files.write(data, List.of(
                "{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"},{\"role\":\"assistant\",\"content\":\"Hello 🙂 there.\"}]}",
                "{\"messages\":[{\"role\":\"user\",\"content\":\"Long?\"},{\"role\":\"assistant\",\"content\":\"" + "yes ".repeat(100) + "\"}]}",
                "{\"messages\":[{\"role\":\"user\",\"content\":\"q\"}]}"));
        DataOptions options = DataOptions.builder().seqLen(64).skipInvalid(true).trainOnEmptyThinkBlock(true).build();
        DataInspection inspection = DataInspector.inspect(List.of(data.toString()), model, options, null, 0, null);
        var r = inspection.report();
        assertThat(r.format()).isEqualTo(FormatName.MESSAGES);
        assertThat(r.rows()).isEqualTo(3);
        assertThat(r.invalidRows()).isEqualTo(1);
        assertThat(r.examples()).isEqualTo(2);
        assertThat(r.overSeqLen()).isEqualTo(1);
        assertThat(r.lengths().min()).isLessThan(64);
        assertThat(r.lengths().max()).isGreaterThan(64);
        assertThat(r.lengths().median()).isEqualTo(r.lengths().min()); // nearest rank of two values
        var sample = inspection.sample();
        assertThat(sample.location().toString()).endsWith("d.jsonl:1");
        // The "\n\n" token that starts in the generation prompt is not trained, so it is not marked.
        assertThat(sample.marked("[", "]")).endsWith("<think>\n\n[</think>\n\nHello 🙂 there.<|im_end|>]\n");
        assertThat(InspectionJson.of(inspection).get("sample").get("trained_text").get(0).asText())
                .isEqualTo("</think>\n\nHello 🙂 there.<|im_end|>");
    }
}
