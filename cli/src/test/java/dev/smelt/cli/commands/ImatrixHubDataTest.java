package dev.smelt.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smelt.cli.Smelt;
import dev.smelt.converter.gguf.GgufReader;
import dev.smelt.converter.gguf.GgufTensorInfo;
import dev.smelt.testkit.cli.CliRunner;
import dev.smelt.testkit.cli.CliRunner.Result;
import dev.smelt.testkit.hub.FakeHub;
import dev.smelt.testkit.hub.RepoKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * smelt imatrix and smelt quant-report --data hf://datasets/...: the text comes through the Hub client (FakeHub) and gives
 * what the same local file gives.
 */
class ImatrixHubDataTest {
    @TempDir
    Path dir;

    private static final CliRunner SMELT = new CliRunner(Smelt::run);

    @Test
    void hubTextGivesTheSameImatrixAndReportAsTheLocalFile() throws Exception {
        Path model = dir.resolve("llama");
        assertThat(SMELT.run("-q", "create-tiny", "--arch", "llama", "--out", model.toString(), "--no-tie").code()).isZero();
        Path text = Files.writeString(dir.resolve("text.txt"), "the quick brown fox jumps over the lazy dog\n".repeat(20));
        Path gguf = dir.resolve("q8.gguf");
        assertThat(SMELT.run("-q", "convert", "gguf", "--model", model.toString(), "--out", gguf.toString(), "--type", "Q8_0")
                .code()).isZero();

        try (FakeHub hub = FakeHub.start(dir.resolve("server"))) {
            hub.repo(RepoKind.DATASET, "acme/text").commitBytes("main", Map.of("text.txt", Files.readAllBytes(text)),
                    dir.resolve("src"));
            String[] hubFlags = {"--endpoint", hub.endpoint().toString(), "--cache-dir", dir.resolve("hf-cache").toString()};
            String hubData = "hf://datasets/acme/text/text.txt";

            Path fromHub = dir.resolve("hub.imatrix.gguf");
            Result r = SMELT.run(concat(new String[] {"-q", "imatrix", "--model", model.toString(), "--data", hubData, "--out",
                    fromHub.toString(), "--chunk-size", "32", "--threads", "1"}, hubFlags));
            assertThat(r.code()).as(r.err()).isZero();
            Path fromFile = dir.resolve("file.imatrix.gguf");
            r = SMELT.run("-q", "imatrix", "--model", model.toString(), "--data", text.toString(), "--out", fromFile.toString(),
                    "--chunk-size", "32", "--threads", "1");
            assertThat(r.code()).as(r.err()).isZero();
            try (GgufReader a = GgufReader.open(fromHub); GgufReader b = GgufReader.open(fromFile)) {
                assertThat(a.tensors()).hasSameSizeAs(b.tensors());
                for (GgufTensorInfo t : b.tensors()) {
                    assertThat(a.bytes(t.name())).as(t.name()).isEqualTo(b.bytes(t.name()));
                }
            }

            Result hubReport = SMELT.run(concat(new String[] {"-q", "quant-report", "--model", model.toString(), "--gguf",
                    gguf.toString(), "--data", hubData, "--chunk-size", "32", "--threads", "1", "--json"}, hubFlags));
            assertThat(hubReport.code()).as(hubReport.err()).isZero();
            Result fileReport = SMELT.run("-q", "quant-report", "--model", model.toString(), "--gguf", gguf.toString(), "--data",
                    text.toString(), "--chunk-size", "32", "--threads", "1", "--json");
            assertThat(fileReport.code()).as(fileReport.err()).isZero();
            assertThat(hubReport.out().replace(hubData, text.toString())).isEqualTo(fileReport.out());
        }
    }

    private static String[] concat(String[] a, String[] b) {
        String[] all = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
