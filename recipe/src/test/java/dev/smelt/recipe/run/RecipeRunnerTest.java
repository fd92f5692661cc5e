package dev.smelt.recipe.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smelt.recipe.format.RecipeLoader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runner's cache on a create-tiny model: a rerun runs nothing, a change to export reruns only the exports and what
 * follows, --from redoes a step and the rest, a failed gate stops before the bundle (exit 3), and a run stopped
 * during training resumes from its checkpoint and ends with the same adapter as an uninterrupted run.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RecipeRunnerTest {
    @TempDir
    static Path dir;

    static final Path DATA = Path.of("..", "recipes", "data").toAbsolutePath().normalize();

    static final String RECIPE = """
            name: runner-test
            version: 0.0.1
            base:
              tiny: {arch: qwen3, seed: 1}
            data:
              sources: [%s/quickstart.jsonl]
              seq_len: 96
              packing: false
            train:
              lora: {r: 4, alpha: 8, dropout: 0}
              optimizer: {lr: 1e-2, warmup_steps: 1}
              max_steps: 30
              batch_size: 2
              seed: 0
              save_every: 2
            export:
              gguf:
                types: [Q8_0]
            gates:
              max_kl: 1.0
              min_top1: 0.1
              report: {data: [%s/smelt-notes.txt], chunk_size: 32, chunks: 2}
            bundle:
              format: tar.gz
            """.formatted(DATA, DATA);

    static RecipeLoader.Loaded load(String... overrides) throws Exception {
        Path f = dir.resolve("runner-test.yaml");
        if (!Files.exists(f)) Files.writeString(f, RECIPE);
        return new RecipeLoader(n -> null).load(f, List.of(overrides));
    }

    static RunOptions options(Path work, String from, boolean dryRun) {
        return new RunOptions(work, from, dryRun, "test", () -> {
            throw new AssertionError("no Hub in this test");
        }, null, false);
    }

    static Map<String, String> states(RunReport r) {
        return r.steps().stream().collect(Collectors.toMap(RunReport.StepReport::name, RunReport.StepReport::state,
                (a, b) -> a, java.util.LinkedHashMap::new));
    }

    static Path work() {
        return dir.resolve("work");
    }

    @Test
    @Order(1)
    void firstRunRunsEverythingAndARerunNothing() throws Exception {
        RunReport dry = new RecipeRunner().run(load(), options(work(), null, true));
        assertThat(states(dry).values()).containsOnly("would-run");
        assertThat(dry.exitCode()).isZero();

        RunReport r = new RecipeRunner().run(load(), options(work(), null, false));
        assertThat(r.exitCode()).as(r.message()).isZero();
        assertThat(states(r)).containsExactly(Map.entry("base", "ran"), Map.entry("train", "ran"), Map.entry("merge", "ran"),
                Map.entry("gguf-Q8_0", "ran"), Map.entry("gates", "ran"), Map.entry("bundle", "ran"));
        RunReport.Artefact bundle = r.steps().get(5).artefacts().get(0);
        assertThat(Path.of(bundle.path())).exists().hasFileName("runner-test-0.0.1.tar.gz");
        assertThat(bundle.bytes()).isEqualTo(Files.size(Path.of(bundle.path())));
        assertThat(r.gates()).hasSize(2).allMatch(g -> Boolean.TRUE.equals(g.get("passed")));
        long modified = Files.getLastModifiedTime(Path.of(bundle.path())).toMillis();

        RunReport again = new RecipeRunner().run(load(), options(work(), null, false));
        assertThat(again.exitCode()).isZero();
        assertThat(states(again).values()).containsOnly("cached");
        assertThat(Files.getLastModifiedTime(Path.of(bundle.path())).toMillis()).isEqualTo(modified);
        assertThat(again.json()).contains("\"cached\" : true").doesNotContain("\"cached\" : false");
        assertThat(states(new RecipeRunner().run(load(), options(work(), null, true))).values()).containsOnly("cached");
    }

    @Test
    @Order(2)
    void changingOnlyExportSkipsTraining() throws Exception {
        RunReport r = new RecipeRunner().run(load("export.gguf.types=[Q8_0, Q4_0]"), options(work(), null, false));
        assertThat(r.exitCode()).as(r.message()).isZero();
        assertThat(states(r)).containsExactly(Map.entry("base", "cached"), Map.entry("train", "cached"), Map.entry("merge", "cached"),
                Map.entry("gguf-Q8_0", "cached"), Map.entry("gguf-Q4_0", "ran"), Map.entry("gates", "ran"), Map.entry("bundle", "ran"));
    }

    @Test
    @Order(3)
    void fromRedoesAStepAndEverythingAfterIt() throws Exception {
        RunReport r = new RecipeRunner().run(load(), options(work(), "merge", false));
        assertThat(r.exitCode()).as(r.message()).isZero();
        assertThat(states(r)).containsExactly(Map.entry("base", "cached"), Map.entry("train", "cached"), Map.entry("merge", "ran"),
                Map.entry("gguf-Q8_0", "ran"), Map.entry("gates", "ran"), Map.entry("bundle", "ran"));
        assertThat(r.steps().get(2).forced()).isTrue();
    }

    @Test
    @Order(4)
    void aFailedGateStopsBeforeTheBundleWithExit3() throws Exception {
        RunReport r = new RecipeRunner().run(load("export.gguf.types=[Q4_0]", "gates.max_kl=0"), options(work(), null, false));
        assertThat(r.exitCode()).isEqualTo(RunReport.GATE_FAILED);
        assertThat(states(r)).containsEntry("gates", "ran").containsEntry("bundle", "not-run");
        assertThat(r.message()).matches("gate failed: max_kl 0: [0-9.e-]+ \\(runner-test-Q4_0\\.gguf\\) FAIL");
        assertThat(r.status()).isEqualTo("gate-failed");
        // the gate's result is cached: a rerun fails the same way without measuring again
        RunReport again = new RecipeRunner().run(load("export.gguf.types=[Q4_0]", "gates.max_kl=0"), options(work(), null, false));
        assertThat(again.exitCode()).isEqualTo(RunReport.GATE_FAILED);
        assertThat(states(again)).containsEntry("gates", "cached");
    }

    @Test
    @Order(5)
    void aStoppedRunResumesTrainingFromItsCheckpoint() throws Exception {
        Path work = dir.resolve("work-stopped");
        RecipeRunner runner = new RecipeRunner();
        Thread stopper = new Thread(() -> {
            try {
                while (newestCheckpoint(work).isEmpty()) Thread.sleep(5);
            } catch (Exception e) {
                return;
            }
            runner.requestStop();
        });
        stopper.setDaemon(true);
        stopper.start();
        RunReport stopped = runner.run(load(), options(work, null, false));
        assertThat(stopped.exitCode()).as(stopped.message()).isEqualTo(RunReport.STOPPED);
        assertThat(states(stopped)).containsEntry("base", "ran").containsEntry("train", "stopped").containsEntry("merge", "not-run");
        assertThat(stopped.message()).contains("training stopped at step").contains("run again to resume");

        RunReport resumed = new RecipeRunner().run(load(), options(work, null, false));
        assertThat(resumed.exitCode()).as(resumed.message()).isZero();
        RunReport.StepReport train = resumed.steps().get(1);
        assertThat(train.state()).isEqualTo("ran");
        assertThat((String) train.values().get("resumed_from")).startsWith("step-");
        assertThat(train.values().get("steps")).isEqualTo(30);
        // same settings, same key: the resumed adapter is byte for byte the uninterrupted run's
        Path uninterrupted = dir.resolve("work/train").resolve(train.dir().substring(train.dir().lastIndexOf('/') + 1));
        assertThat(Path.of(train.dir()).resolve("adapter/adapter_model.safetensors"))
                .hasSameBinaryContentAs(uninterrupted.resolve("adapter/adapter_model.safetensors"));
    }

    @Test
    @Order(6)
    void aVisionBaseGetsItsMmprojBundled() throws Exception {
        Path f = dir.resolve("vision.yaml");
        Files.writeString(f, """
                name: vision-test
                version: 0.0.1
                base:
                  tiny: {arch: qwen3_5, vision: true}
                data:
                  sources: [%s/quickstart.jsonl]
                  seq_len: 96
                  packing: false
                train: {max_steps: 2, batch_size: 2}
                export:
                  mmproj: {type: f16}
                bundle: {}
                """.formatted(DATA));
        RecipeLoader.Loaded l = new RecipeLoader(n -> null).load(f, List.of());
        RunReport r = new RecipeRunner().run(l, options(dir.resolve("work-vision"), null, false));
        assertThat(r.exitCode()).as(r.message()).isZero();
        assertThat(states(r)).containsExactly(Map.entry("base", "ran"), Map.entry("train", "ran"), Map.entry("merge", "ran"),
                Map.entry("mmproj", "ran"), Map.entry("bundle", "ran"));
        assertThat(r.steps().get(3).artefacts().get(0).path()).endsWith("vision-test-mmproj-f16.gguf");
        // the projector comes from the base: a training change leaves it cached
        RunReport again = new RecipeRunner().run(new RecipeLoader(n -> null).load(f, List.of("train.max_steps=3")),
                options(dir.resolve("work-vision"), null, false));
        assertThat(states(again)).containsEntry("train", "ran").containsEntry("mmproj", "cached").containsEntry("bundle", "ran");
    }

    private static Optional<Path> newestCheckpoint(Path work) throws Exception {
        Path train = work.resolve("train");
        if (!Files.isDirectory(train)) return Optional.empty();
        // checkpoints and step directories appear by renames while this walks: a vanished entry means "look again"
        try (Stream<Path> s = Files.walk(train)) {
            return s.filter(p -> p.getFileName().toString().startsWith("step-") && p.getParent().getFileName().toString().equals("checkpoints")
                    && Files.isDirectory(p)).findFirst();
        } catch (IOException | UncheckedIOException e) {
            return Optional.empty();
        }
    }
}
