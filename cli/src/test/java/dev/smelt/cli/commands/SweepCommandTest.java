package dev.smelt.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.smelt.cli.Smelt;
import dev.smelt.testkit.cli.CliRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** smelt sweep expand (order, names, JSON, a bad key in one line) and smelt recipe run --trial on a tiny recipe. */
class SweepCommandTest {
    static final CliRunner SMELT = new CliRunner(Smelt::run);
    static final Path DATA = Path.of("..", "recipes", "data").toAbsolutePath().normalize();

    @TempDir
    Path dir;

    Path recipe() throws Exception {
        Path f = dir.resolve("tiny.yaml");
        Files.writeString(f, """
                name: tiny
                version: 0.0.1
                base:
                  tiny: {arch: qwen3, seed: 1, hidden: 64}
                data:
                  sources: [%s/quickstart.jsonl]
                  seq_len: 64
                  packing: false
                train:
                  lora: {r: 4, alpha: 8, dropout: 0}
                  max_steps: 2
                  batch_size: 2
                  seed: 0
                bundle:
                  format: tar.gz
                """.formatted(DATA));
        return f;
    }

    @Test
    void expandPrintsTrialsInOrderAndAsJson() throws Exception {
        Path f = recipe();
        CliRunner.Result r = SMELT.run("sweep", "expand", f.toString(), "--grid", "train.optimizer.lr=1e-4,2e-4", "--grid", "train.lora.r=8,16");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out().lines().toList()).startsWith(
                "trial  name           overrides",
                "0      t0-lr1e-4-r8   train.optimizer.lr=1e-4 train.lora.r=8",
                "1      t1-lr1e-4-r16  train.optimizer.lr=1e-4 train.lora.r=16",
                "2      t2-lr2e-4-r8   train.optimizer.lr=2e-4 train.lora.r=8",
                "3      t3-lr2e-4-r16  train.optimizer.lr=2e-4 train.lora.r=16");
        assertThat(r.out()).contains("4 trials of tiny (grid train.optimizer.lr x train.lora.r, the first varying slowest)");

        r = SMELT.run("sweep", "expand", f.toString(), "--grid", "train.optimizer.lr=1e-4,2e-4", "--grid", "train.lora.r=8,16", "--json");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertThat(j.get("count").asInt()).isEqualTo(4);
        assertThat(j.get("source").asText()).isEqualTo("grid");
        assertThat(j.at("/trials/2/index").asInt()).isEqualTo(2);
        assertThat(j.at("/trials/2/name").asText()).isEqualTo("t2-lr2e-4-r8");
        assertThat(j.at("/trials/2/release").asText()).isEqualTo("tiny-t2-lr2e-4-r8");
        assertThat(j.at("/trials/2/overrides/0").asText()).isEqualTo("train.optimizer.lr=2e-4");
    }

    @Test
    void aBadGridKeyOrValueIsOneLineAndExitOne() throws Exception {
        Path f = recipe();
        CliRunner.Result r = SMELT.run("sweep", "expand", f.toString(), "--grid", "train.lr=1e-4,2e-4");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).startsWith("smelt: error: --grid train.lr: no such recipe field train.lr (")
                .contains("did you mean train.optimizer.lr?").hasLineCount(1);
        r = SMELT.run("sweep", "expand", f.toString(), "--grid", "train.lora.r=8,-1");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("smelt: error: trial 1 (t1-r-1): --set train.lora.r=-1: train.lora.r must be a positive integer, got -1\n");
        r = SMELT.run("sweep", "expand", f.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("smelt: error: " + f + ": no trials: give --grid KEY=V1,V2 or --customers FILE, or add a sweep: section\n");
        r = SMELT.run("recipe", "run", f.toString(), "--grid", "train.lora.r=8");
        assertThat(r.code()).isEqualTo(2);
    }

    @Test
    void validateChecksEveryTrialOfTheRecipesSweep() throws Exception {
        Path f = recipe();
        Files.writeString(f, Files.readString(f) + "sweep:\n  grid:\n    train.lora.r: [8, sixteen]\n");
        CliRunner.Result r = SMELT.run("recipe", "validate", f.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("smelt: error: trial 1 (t1-rsixteen): --set train.lora.r=sixteen: train.lora.r must be a positive "
                + "integer, got \"sixteen\"\n");
        Files.writeString(f, Files.readString(f).replace("sixteen", "16"));
        r = SMELT.run("recipe", "validate", f.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo(f + ": ok (tiny 0.0.1, 2 trials)\n");
    }

    @Test
    void recipeRunTrialAppliesItsOverridesInItsOwnWorkDir() throws Exception {
        Path f = recipe();
        Path work = dir.resolve("work");
        CliRunner.Result r = SMELT.run("recipe", "run", f.toString(), "--grid", "train.lora.r=4,8", "--trial", "1",
                "--work-dir", work.toString(), "--json");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertThat(j.at("/trial/index").asInt()).isEqualTo(1);
        assertThat(j.at("/trial/name").asText()).isEqualTo("t1-r8");
        assertThat(j.at("/trial/overrides/0").asText()).isEqualTo("train.lora.r=8");
        assertThat(j.get("name").asText()).isEqualTo("tiny-t1-r8");
        assertThat(j.get("work_dir").asText()).isEqualTo(work.resolve("trial-1").toAbsolutePath().toString());
        String bundle = j.at("/steps/3/artefacts/0/path").asText();
        assertThat(j.at("/steps/3/name").asText()).isEqualTo("bundle");
        assertThat(Path.of(bundle).getFileName().toString()).isEqualTo("tiny-t1-r8-0.0.1.tar.gz");
        assertThat(bundle).startsWith(work.resolve("trial-1").toAbsolutePath().toString());
        // the adapter has the trial's rank
        Path adapter = Path.of(j.at("/steps/1/artefacts/0/path").asText());
        JsonNode cfg = new ObjectMapper().readTree((Files.isDirectory(adapter) ? adapter : adapter.getParent()).resolve("adapter_config.json").toFile());
        assertThat(cfg.get("r").asInt()).isEqualTo(8);
        // the report is also on disk, for smelt fleet collect
        JsonNode onDisk = new ObjectMapper().readTree(work.resolve("trial-1").resolve("report.json").toFile());
        assertThat(onDisk).isEqualTo(j);
    }
}
