package dev.smelt.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smelt.cli.Smelt;
import dev.smelt.testkit.cli.CliRunner;
import dev.smelt.testkit.cli.CliRunner.Result;
import dev.smelt.testkit.hub.FakeHub;
import dev.smelt.testkit.hub.RepoKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** smelt train --data hf://datasets/...: the data comes through the Hub client (FakeHub), and trains as the local file does. */
class TrainHubDataTest {
    @TempDir
    Path dir;

    private static final CliRunner SMELT = new CliRunner(Smelt::run);

    @Test
    void hubDataTrainsTheAdapterTheSameFileTrainsLocally() throws Exception {
        Path model = dir.resolve("model");
        Result c = SMELT.run("create-tiny", "--arch", "qwen3", "--out", model.toString());
        assertThat(c.code()).as(c.err()).isZero();
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            lines.add("{\"messages\": [{\"role\": \"user\", \"content\": \"What is " + i + " plus two?\"}, {\"role\": \"assistant\","
                    + " \"content\": \"It is " + (i + 2) + ".\"}]}");
        }
        Path data = Files.write(dir.resolve("qa.jsonl"), lines);
        List<String> training = List.of("--max-steps", "2", "--batch-size", "4", "--lora-r", "4", "--seed", "3", "--threads", "1",
                "--seq-len", "64");

        try (FakeHub hub = FakeHub.start(dir.resolve("server"))) {
            hub.repo(RepoKind.DATASET, "acme/qa").commitBytes("main", Map.of("data/qa.jsonl", Files.readAllBytes(data)),
                    dir.resolve("src"));
            Path fromHub = dir.resolve("adapter-hub");
            List<String> args = new ArrayList<>(List.of("--quiet", "train", "--model", model.toString(), "--out", fromHub.toString(),
                    "--data", "hf://datasets/acme/qa/data/qa.jsonl", "--endpoint", hub.endpoint().toString(), "--cache-dir",
                    dir.resolve("hf-cache").toString()));
            args.addAll(training);
            Result r = SMELT.run(args.toArray(String[]::new));
            assertThat(r.code()).as(r.err()).isZero();

            Path fromFile = dir.resolve("adapter-file");
            args = new ArrayList<>(List.of("--quiet", "train", "--model", model.toString(), "--out", fromFile.toString(), "--data",
                    data.toString()));
            args.addAll(training);
            r = SMELT.run(args.toArray(String[]::new));
            assertThat(r.code()).as(r.err()).isZero();
            assertThat(Files.readAllBytes(fromHub.resolve("adapter_model.safetensors")))
                    .isEqualTo(Files.readAllBytes(fromFile.resolve("adapter_model.safetensors")));
        }
    }
}
