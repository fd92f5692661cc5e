package dev.smelt.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.smelt.cli.Smelt;
import dev.smelt.cli.SmeltJar;
import dev.smelt.testkit.cli.CliRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A recipe run killed with SIGKILL during training (no shutdown hook, no final checkpoint) resumes from the newest
 * checkpoint it had saved, and ends with the adapter an uninterrupted run makes.
 */
class KilledRecipeRunIT {
    static final CliRunner SMELT = new CliRunner(Smelt::run);

    @TempDir
    Path tmp;

    @Test
    void aKilledRunResumesTrainingFromItsCheckpoint() throws Exception {
        Path data = Path.of(System.getProperty("smelt.repo.root", ".."), "recipes", "data", "quickstart.jsonl").toAbsolutePath();
        Path recipe = tmp.resolve("killed.yaml");
        Files.writeString(recipe, """
                name: killed
                version: 0.0.1
                base:
                  tiny: {arch: qwen3, seed: 2}
                data:
                  sources: [%s]
                  seq_len: 96
                  packing: false
                train:
                  lora: {r: 4, alpha: 8, dropout: 0}
                  optimizer: {lr: 1e-2, warmup_steps: 1}
                  max_steps: 60
                  batch_size: 2
                  seed: 0
                  save_every: 3
                export:
                  merge: {dtype: fp32}
                """.formatted(data));
        Path work = tmp.resolve("work");
        Process p = SmeltJar.process(SmeltJar.command(List.of(), "recipe", "run", recipe.toString(), "--work-dir", work.toString()))
                .redirectErrorStream(true).redirectOutput(tmp.resolve("killed.log").toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
            while (checkpoints(work) == 0) {
                assertThat(p.isAlive()).as("the run ended before its first checkpoint:\n" + Files.readString(tmp.resolve("killed.log"))).isTrue();
                assertThat(System.nanoTime()).isLessThan(deadline);
                Thread.sleep(20);
            }
            p.destroyForcibly(); // SIGKILL: no shutdown hook, no checkpoint on the way out
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        } finally {
            p.destroyForcibly();
        }
        assertThat(Files.readString(tmp.resolve("killed.log"))).doesNotContain("killed 0.0.1: ok");

        CliRunner.Result resumed = SMELT.run("-q", "recipe", "run", recipe.toString(), "--work-dir", work.toString(), "--json");
        assertThat(resumed.code()).as(resumed.err()).isZero();
        JsonNode train = new ObjectMapper().readTree(resumed.out()).get("steps").get(1);
        assertThat(train.get("state").asText()).isEqualTo("ran");
        assertThat(train.get("values").get("resumed_from").asText()).startsWith("step-");
        assertThat(train.get("values").get("steps").asInt()).isEqualTo(60);

        CliRunner.Result whole = SMELT.run("-q", "recipe", "run", recipe.toString(), "--work-dir", tmp.resolve("whole").toString(), "--json");
        assertThat(whole.code()).as(whole.err()).isZero();
        JsonNode wholeTrain = new ObjectMapper().readTree(whole.out()).get("steps").get(1);
        assertThat(wholeTrain.get("values").has("resumed_from")).isFalse();
        assertThat(Path.of(train.get("dir").asText(), "adapter", "adapter_model.safetensors"))
                .hasSameBinaryContentAs(Path.of(wholeTrain.get("dir").asText(), "adapter", "adapter_model.safetensors"));
    }

    private static long checkpoints(Path work) throws Exception {
        Path train = work.resolve("train");
        if (!Files.isDirectory(train)) return 0;
        try (Stream<Path> s = Files.walk(train)) {
            return s.filter(p -> p.getFileName().toString().startsWith("step-") && p.getParent().getFileName().toString().equals("checkpoints"))
                    .count();
        }
    }
}
