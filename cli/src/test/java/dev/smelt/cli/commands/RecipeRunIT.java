package dev.smelt.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.smelt.cli.Smelt;
import dev.smelt.testkit.cli.CliRunner;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * recipes/ci-smoke.yaml end to end through the CLI: create-tiny model, LoRA training, merge, importance matrix, GGUF
 * Q8_0 and Q4_K_M, LoRA GGUF, ONNX q4, gates and a bundle that smelt bundle verify accepts; a rerun is fully cached.
 */
class RecipeRunIT {
    static final CliRunner SMELT = new CliRunner(Smelt::run);

    @TempDir
    Path work;

    @Test
    void ciSmokeRunsEndToEndAndItsBundleVerifies() throws Exception {
        Path recipe = Path.of(System.getProperty("smelt.repo.root", ".."), "recipes", "ci-smoke.yaml");
        CliRunner.Result r = SMELT.run("-q", "recipe", "run", recipe.toString(), "--work-dir", work.toString(), "--json");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode report = new ObjectMapper().readTree(r.out());
        assertThat(report.get("status").asText()).isEqualTo("ok");
        List<String> ran = new ArrayList<>();
        for (JsonNode s : report.get("steps")) {
            ran.add(s.get("name").asText());
            assertThat(s.get("state").asText()).as(s.get("name").asText()).isEqualTo("ran");
            assertThat(s.get("cached").asBoolean()).isFalse();
            for (JsonNode a : s.get("artefacts")) assertThat(a.get("bytes").asLong()).isPositive();
        }
        assertThat(ran).containsExactly("base", "train", "merge", "imatrix", "gguf-Q8_0", "gguf-Q4_K_M", "lora-gguf", "onnx", "gates",
                "bundle");
        assertThat(report.get("gates")).hasSize(5).allMatch(g -> g.get("passed").asBoolean());
        JsonNode bundleStep = report.get("steps").get(ran.indexOf("bundle"));
        String bundle = bundleStep.get("artefacts").get(0).get("path").asText();
        assertThat(bundle).endsWith("ci-smoke-0.1.0.tar.gz");

        CliRunner.Result verify = SMELT.run("bundle", "verify", bundle);
        assertThat(verify.code()).as(verify.err()).isZero();
        assertThat(verify.out()).contains(": ok (");

        CliRunner.Result again = SMELT.run("-q", "recipe", "run", recipe.toString(), "--work-dir", work.toString(), "--json");
        assertThat(again.code()).as(again.err()).isZero();
        for (JsonNode s : new ObjectMapper().readTree(again.out()).get("steps")) {
            assertThat(s.get("state").asText()).as(s.get("name").asText()).isEqualTo("cached");
        }
    }
}
