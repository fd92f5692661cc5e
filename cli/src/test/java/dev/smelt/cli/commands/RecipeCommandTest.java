package dev.smelt.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.smelt.cli.Smelt;
import dev.smelt.testkit.cli.CliRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecipeCommandTest {
    static final CliRunner SMELT = new CliRunner(Smelt::run);

    @TempDir
    Path dir;

    @Test
    void validatePrintsEveryProblemWithItsPosition() throws Exception {
        Path f = dir.resolve("x.yaml");
        Files.writeString(f, """
                name: x
                version: 1
                base: {tiny: {arch: qwen3}}
                data: {sources: [x.yaml]}
                train:
                  lora: {r: sixteen}
                  max_step: 3
                """);
        CliRunner.Result r = SMELT.run("recipe", "validate", f.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err().lines()).containsExactly(
                "smelt: error: " + f + ":6:13: train.lora.r must be a positive integer, got \"sixteen\"",
                "smelt: error: " + f + ":7:3: train.max_step: unknown key (expected one of lora, optimizer, epochs, max_steps,"
                        + " batch_size, grad_accum, seed, devices, precision, eval_every, save_every, keep_checkpoints)");
        r = SMELT.run("recipe", "validate", f.toString(), "--set", "train.lora.r=8", "--set", "train.max_step=");
        assertThat(r.code()).isEqualTo(1);
        r = SMELT.run("recipe", "validate", "../recipes/ci-smoke.yaml", "--set", "train.lora.r=32");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("ok (ci-smoke 0.1.0)");
    }

    @Test
    void schemaIsJsonSchema() throws Exception {
        CliRunner.Result r = SMELT.run("recipe", "schema");
        assertThat(r.code()).isZero();
        var schema = new ObjectMapper().readTree(r.out());
        assertThat(schema.get("$schema").asText()).contains("json-schema.org");
        assertThat(schema.at("/properties/export/properties/gguf/properties/types/description").asText()).contains("Q4_K_M");
        // the sweep: section, whose values may be numbers as in the YAML (1e-4) or words
        assertThat(schema.at("/properties/sweep/properties/grid/description").asText()).contains("train.optimizer.lr");
        assertThat(schema.at("/properties/sweep/properties/grid/additionalProperties/anyOf/1/type").toString())
                .isEqualTo("[\"string\",\"number\",\"boolean\"]");
    }
}
