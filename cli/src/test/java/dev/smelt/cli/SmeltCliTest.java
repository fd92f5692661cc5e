package dev.smelt.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.smelt.core.safetensors.SafetensorsWriter;
import dev.smelt.core.safetensors.TensorSource;
import dev.smelt.testkit.cli.CliRunner.Result;
import dev.smelt.testkit.cli.CliRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SmeltCliTest {
    @TempDir
    Path tmp;

    private static final CliRunner SMELT = new CliRunner(Smelt::run);

    @Test
    void versionNamesTheProjectVersion() {
        Result r = SMELT.run("--version");
        assertThat(r.code()).isZero();
        assertThat(r.out()).startsWith("smelt 0.");
    }

    @Test
    void unknownSubcommandIsAUsageError() {
        Result r = SMELT.run("frobnicate");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("Unmatched argument at index 0: 'frobnicate'");
    }

    @Test
    void failureIsOneLineWithoutStackTrace() {
        Result r = SMELT.run("inspect", tmp.resolve("nope").toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("smelt: error: " + tmp.resolve("nope") + ": no such file or directory\n");
    }

    @Test
    void verboseAddsTheStackTrace() {
        Result r = SMELT.run("--verbose", "inspect", tmp.resolve("nope").toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("at dev.smelt.cli.commands.InspectCommand");
    }

    @Test
    void everySubcommandAnswersHelp() {
        for (String[] args : new String[][] {{"inspect", "--help"}, {"completion", "-h"}}) {
            Result r = SMELT.run(args);
            assertThat(r.code()).as(String.join(" ", args)).isZero();
            assertThat(r.out()).startsWith("Usage: smelt " + args[0]);
        }
    }

    @Test
    void completionScriptCoversSubcommands() {
        Result r = SMELT.run("completion", "bash");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("complete -F").contains("inspect");
    }

    @Test
    void inspectSafetensorsJson() throws Exception {
        Path f = tmp.resolve("w.safetensors");
        SafetensorsWriter.write(f, Map.of("format", "pt"),
                List.of(TensorSource.ofFloats("a", new long[] {2, 3}, new float[6]),
                        TensorSource.ofFloats("b", new long[] {4}, new float[4])));
        Result r = SMELT.run("inspect", f.toString(), "--json");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertThat(j.get("kind").asText()).isEqualTo("safetensors");
        assertThat(j.get("parameters").asLong()).isEqualTo(10);
        assertThat(j.get("total_bytes").asLong()).isEqualTo(40);
        assertThat(j.get("tensors").get(0).get("shape").toString()).isEqualTo("[2,3]");
        assertThat(j.get("metadata").get("format").asText()).isEqualTo("pt");
    }

    @Test
    void inspectFromConfig() throws Exception {
        Path cfg = tmp.resolve("config.json");
        Files.writeString(cfg, """
                {"model_type":"qwen3","vocab_size":151936,"hidden_size":1024,"intermediate_size":3072,
                 "num_hidden_layers":28,"num_attention_heads":16,"num_key_value_heads":8,"head_dim":128,
                 "tie_word_embeddings":true}""");
        Result r = SMELT.run("inspect", "--from-config", "--json", "--no-tensors", cfg.toString());
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertThat(j.get("architecture").asText()).isEqualTo("qwen3");
        assertThat(j.get("parameters").asLong()).isEqualTo(596_049_920L);
        assertThat(j.has("tensors")).isFalse();
    }
}
