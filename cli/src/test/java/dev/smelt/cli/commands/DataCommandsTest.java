package dev.smelt.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.smelt.cli.Smelt;
import dev.smelt.core.chat.BuiltinChatTemplates;
import dev.smelt.core.tiny.TinyTokenizer;
import dev.smelt.testkit.cli.CliRunner.Result;
import dev.smelt.testkit.cli.CliRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataCommandsTest {
    @TempDir
    static Path dir;

    static Path model;

    @BeforeAll
    static void model() throws Exception {
        model = dir.resolve("model");
        TinyTokenizer.train(800).writeTo(model, BuiltinChatTemplates.QWEN2_5.source(), 4096);
    }

    private static final CliRunner SMELT = new CliRunner(Smelt::run);

    private static Path data(String name, List<String> lines) throws Exception {
        Path f = dir.resolve(name);
        Files.write(f, lines);
        return f;
    }

    @Test
    void inspectReportsFormatTokensAndMarkedSample() throws Exception {
        Path f = data("chat.jsonl", List.of(
                "{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"},{\"role\":\"assistant\",\"content\":\"Hello!\"}]}",
                "{\"messages\":[{\"role\":\"user\",\"content\":\"More\"},{\"role\":\"assistant\",\"content\":\"" + "word ".repeat(300) + "\"}]}"));
        Result r = SMELT.run("data", "inspect", "--data", f.toString(), "--model", model.toString(), "--seq-len", "128",
                "--markers", "brackets", "-q");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("format:    messages (detected)").contains("rows:      2")
                .contains("128: 1 longer (would be dropped)")
                .contains("<|im_start|>assistant\n⟦Hello!<|im_end|>⟧\n");

        Result json = SMELT.run("data", "inspect", "--data", f.toString(), "--model", model.toString(), "--seq-len", "128", "--json", "-q");
        assertThat(json.code()).as(json.err()).isZero();
        JsonNode o = new ObjectMapper().readTree(json.out());
        assertThat(o.get("rows").asLong()).isEqualTo(2);
        assertThat(o.get("format").asText()).isEqualTo("messages");
        assertThat(o.get("over_seq_len").asLong()).isEqualTo(1);
        assertThat(o.get("tokens").get("max").asInt()).isGreaterThan(128);
        assertThat(o.get("sample").get("trained_text").get(0).asText()).isEqualTo("Hello!<|im_end|>");
    }

    @Test
    void inspectReportsTheWindowsLongTextDocumentsAreCutInto() throws Exception {
        List<String> docs = new ArrayList<>();
        for (int i = 0; i < 20; i++) docs.add("{\"text\":\"doc " + i + " " + "plain words ".repeat(40) + "\"}");
        Path f = data("docs.jsonl", docs);
        Result r = SMELT.run("data", "inspect", "--data", f.toString(), "--model", model.toString(), "--seq-len", "64", "-q");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).containsPattern("seq-len:   64: 20 documents joined with EOS into \\d+ windows \\(20 longer than a window\\)");
        Result json = SMELT.run("data", "inspect", "--data", f.toString(), "--model", model.toString(), "--seq-len", "64", "--json", "-q");
        JsonNode o = new ObjectMapper().readTree(json.out());
        assertThat(o.get("truncation").asText()).isEqualTo("chunk");
        long total = o.get("tokens").get("total").asLong();
        assertThat(o.get("windows").asLong()).isEqualTo((total + 63) / 64);
        assertThat(o.get("kept").asLong()).isEqualTo(o.get("windows").asLong());
    }

    @Test
    void badRowIsAOneLineErrorUnlessSkipped() throws Exception {
        Path f = data("alpaca.jsonl", List.of(
                "{\"instruction\":\"Say hi\",\"output\":\"hi\"}",
                "{\"instruction\":\"Say bye\"}"));
        Result r = SMELT.run("data", "inspect", "--data", f.toString(), "--model", model.toString(), "-q");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err().strip()).isEqualTo("smelt: error: " + f + ":2: missing \"output\"");

        Result skipped = SMELT.run("data", "inspect", "--data", f.toString(), "--model", model.toString(), "--skip-invalid", "--json", "-q");
        assertThat(skipped.code()).as(skipped.err()).isZero();
        JsonNode o = new ObjectMapper().readTree(skipped.out());
        assertThat(o.get("invalid_rows").asLong()).isEqualTo(1);
        assertThat(o.get("first_invalid").get(0).asText()).isEqualTo(f + ":2: missing \"output\"");
    }

    @Test
    void fieldMappingAndForcedFormat() throws Exception {
        Path f = data("qa.jsonl", List.of("{\"q\":\"2+2?\",\"a\":\"4\"}"));
        Result r = SMELT.run("data", "inspect", "--data", f.toString(), "--model", model.toString(), "--format", "prompt-completion",
                "--field", "prompt=q", "--field", "completion=a", "--json", "-q");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(new ObjectMapper().readTree(r.out()).get("format").asText()).isEqualTo("prompt-completion");
        Result bad = SMELT.run("data", "inspect", "--data", f.toString(), "--model", model.toString(), "--format", "chatml", "-q");
        assertThat(bad.code()).isEqualTo(1);
        assertThat(bad.err()).contains("--format: unknown format 'chatml'");
    }

    @Test
    void benchDataPrintsRatioAndPeakRss() throws Exception {
        Result r = SMELT.run("bench", "data", "--rows", "300", "--data-threads", "1", "--vocab", "600", "--dir", dir.resolve("bench").toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("300 synthetic chat rows").containsPattern("ratio: \\d+\\.\\d\\d wall clock")
                .contains("peak RSS:");
    }
}
