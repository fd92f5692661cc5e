package dev.smelt.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.smelt.cli.Smelt;
import dev.smelt.testkit.cli.CliRunner;
import dev.smelt.testkit.cli.CliRunner.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QuantReportCommandTest {
    private static final CliRunner SMELT = new CliRunner(Smelt::run);

    @TempDir
    Path tmp;

    private Path text() throws Exception {
        Path text = tmp.resolve("text.txt");
        Files.writeString(text, "the quick brown fox jumps over the lazy dog\n".repeat(12));
        return text;
    }

    private Path model(String arch, String... extra) {
        Path model = tmp.resolve(arch);
        String[] args = java.util.stream.Stream.concat(
                java.util.stream.Stream.of("-q", "create-tiny", "--arch", arch, "--out", model.toString()),
                java.util.Arrays.stream(extra)).toArray(String[]::new);
        assertThat(SMELT.run(args).code()).isZero();
        return model;
    }

    private Path gguf(Path model, String type) {
        Path f = tmp.resolve(model.getFileName() + "-" + type + ".gguf");
        Result r = SMELT.run("-q", "convert", "gguf", "--model", model.toString(), "--out",
                f.toString(), "--type", type);
        assertThat(r.code()).as(r.err()).isZero();
        return f;
    }

    private JsonNode report(Path model, Path gguf, Path text, String... gates) throws Exception {
        String[] args = java.util.stream.Stream.concat(java.util.stream.Stream.of("-q", "quant-report", "--model",
                model.toString(), "--gguf", gguf.toString(), "--data", text.toString(), "--chunk-size", "32", "--json",
                "--threads", "1"), java.util.Arrays.stream(gates)).toArray(String[]::new);
        Result r = SMELT.run(args);
        assertThat(r.code()).as(r.err()).isZero();
        return new ObjectMapper().readTree(r.out());
    }

    @Test
    void anF32GgufReadsBackAsTheModelItselfIncludingQwen35sReorderedRowsAndColumns() throws Exception {
        Path text = text();
        for (Path model : new Path[] {model("llama"), model("qwen3_5", "--linear-k-heads", "2", "--linear-v-heads", "4")}) {
            JsonNode j = report(model, gguf(model, "f32"), text);
            assertThat(j.path("kl_divergence").path("max").asDouble()).as(model.toString()).isZero();
            assertThat(j.path("top1_agreement").asDouble()).isEqualTo(1.0);
            assertThat(j.path("perplexity").path("quantized").asDouble()).isEqualTo(j.path("perplexity").path("original").asDouble());
            assertThat(j.path("tensors").size()).isGreaterThan(10);
            for (JsonNode t : j.path("tensors")) {
                assertThat(t.path("type").asText()).isEqualTo("F32");
                assertThat(t.path("rmse").asDouble()).as(t.path("name").asText()).isZero();
            }
        }
    }

    @Test
    void gatesPassOrFailWithExitThreeNamingTheGate() throws Exception {
        Path text = text();
        Path model = model("llama");
        Path q8 = gguf(model, "q8_0");
        JsonNode j = report(model, q8, text, "--max-kl", "10", "--min-top1", "0");
        assertThat(j.path("passed").asBoolean()).isTrue();
        assertThat(j.path("kl_divergence").path("mean").asDouble()).isPositive();
        assertThat(j.path("tokens").asLong()).isEqualTo(j.path("chunks").asLong() * 31);
        for (JsonNode t : j.path("tensors")) {
            assertThat(t.path("type").asText()).isEqualTo("Q8_0");
            // Q8_0 keeps ~0.5% of a Gaussian weight's RMS as error
            assertThat(t.path("relative_rmse").asDouble()).as(t.path("name").asText()).isBetween(1e-4, 2e-2);
        }

        Result r = SMELT.run("-q", "quant-report", "--model", model.toString(), "--gguf",
                q8.toString(), "--data", text.toString(), "--chunk-size", "32", "--max-kl", "0", "--min-top1", "0");
        assertThat(r.code()).isEqualTo(3);
        assertThat(r.out()).contains("gate --max-kl 0.0: FAIL").contains("gate --min-top1 0.0: pass").contains("top-1 agreement");
        assertThat(r.err().lines().filter(l -> l.startsWith("smelt: "))).singleElement().asString()
                .startsWith("smelt: gate failed: mean KL ").endsWith(" > --max-kl 0.0");

        Path other = model("qwen3");
        Result wrong = SMELT.run("-q", "quant-report", "--model", other.toString(), "--gguf",
                q8.toString(), "--data", text.toString(), "--chunk-size", "32");
        assertThat(wrong.code()).isEqualTo(1);
        assertThat(wrong.err().lines().filter(l -> l.startsWith("smelt: "))).singleElement().asString()
                .contains("architecture llama, but the model directory is qwen3");
    }
}
