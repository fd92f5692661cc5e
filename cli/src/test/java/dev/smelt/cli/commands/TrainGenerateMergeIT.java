package dev.smelt.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smelt.cli.Smelt;
import dev.smelt.testkit.cli.CliRunner;
import dev.smelt.testkit.cli.CliRunner.Result;
import dev.smelt.trainer.sft.MetricsLog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end on create-tiny models of each dense architecture: smelt train drives the loss under 0.05 on a small
 * Q&amp;A set, then smelt generate --adapter and generation from the smelt merge output both give the trained answer.
 */
class TrainGenerateMergeIT {
    @TempDir Path tmp;

    static final String[][] QA = {
        {"Who keeps the anvil?", "Ada keeps the anvil."},
        {"What colour is the forge?", "The forge glows orange."},
        {"How many bellows?", "Three bellows."},
    };

    private static final CliRunner SMELT = new CliRunner(Smelt::run);

    @ParameterizedTest
    @ValueSource(strings = {"llama", "qwen2", "qwen3"})
    void trainGenerateAndMergeReproduceTheTrainedAnswers(String arch) throws Exception {
        Path model = tmp.resolve("model");
        assertThat(SMELT.run("create-tiny", "--arch", arch, "--out", model.toString()).code()).isZero();
        StringBuilder jsonl = new StringBuilder();
        for (String[] qa : QA) {
            jsonl.append("{\"messages\": [{\"role\": \"user\", \"content\": \"").append(qa[0])
                    .append("\"}, {\"role\": \"assistant\", \"content\": \"").append(qa[1]).append("\"}]}\n");
        }
        Path data = Files.writeString(tmp.resolve("qa.jsonl"), jsonl);
        Path adapter = tmp.resolve("adapter");
        List<String> train = new ArrayList<>(List.of("--quiet", "train", "--model", model.toString(), "--data", data.toString(),
                "--out", adapter.toString(), "--max-steps", "40", "--batch-size", "4", "--lr", "1e-2", "--lora-r", "16",
                "--lora-alpha", "32", "--lora-dropout", "0", "--seq-len", "128", "--no-packing", "--warmup-steps", "3"));
        Result t = SMELT.run(train.toArray(String[]::new));
        assertThat(t.code()).as(t.err()).isZero();
        List<MetricsLog.Entry> metrics = MetricsLog.read(adapter.resolve("metrics.jsonl"));
        assertThat(metrics.get(metrics.size() - 1).loss()).isLessThan(0.05);

        Path merged = tmp.resolve("merged");
        Result m = SMELT.run("--quiet", "merge", "--model", model.toString(), "--adapter", adapter.toString(), "--out", merged.toString());
        assertThat(m.code()).as(m.err()).isZero();
        for (String[] qa : QA) {
            Result g = SMELT.run("--quiet", "generate", "--model", model.toString(), "--adapter", adapter.toString(), "--chat", qa[0],
                    "--max-new-tokens", "40", "--temperature", "0");
            assertThat(g.code()).as(g.err()).isZero();
            assertThat(g.out()).contains(qa[1]);
            Result gm = SMELT.run("--quiet", "generate", "--model", merged.toString(), "--chat", qa[0], "--max-new-tokens", "40",
                    "--temperature", "0");
            assertThat(gm.code()).as(gm.err()).isZero();
            assertThat(gm.out()).contains(qa[1]);
        }
    }

    @Test
    void fp16TrainingReproducesTheAnswersAndBf16IsRefused() throws Exception {
        Path model = tmp.resolve("model");
        assertThat(SMELT.run("create-tiny", "--arch", "llama", "--out", model.toString()).code()).isZero();
        StringBuilder jsonl = new StringBuilder();
        for (String[] qa : QA) {
            jsonl.append("{\"messages\": [{\"role\": \"user\", \"content\": \"").append(qa[0])
                    .append("\"}, {\"role\": \"assistant\", \"content\": \"").append(qa[1]).append("\"}]}\n");
        }
        Path data = Files.writeString(tmp.resolve("qa.jsonl"), jsonl);
        Path adapter = tmp.resolve("adapter");
        Result t = SMELT.run("--quiet", "train", "--model", model.toString(), "--data", data.toString(), "--out", adapter.toString(),
                "--precision", "fp16", "--max-steps", "50", "--batch-size", "4", "--lr", "1e-2", "--lora-r", "16",
                "--lora-alpha", "32", "--lora-dropout", "0", "--seq-len", "128", "--no-packing", "--warmup-steps", "3");
        assertThat(t.code()).as(t.err()).isZero();
        List<MetricsLog.Entry> metrics = MetricsLog.read(adapter.resolve("metrics.jsonl"));
        assertThat(metrics.get(metrics.size() - 1).loss()).isLessThan(0.05);
        assertThat(Files.readString(adapter.resolve("metrics.jsonl"))).contains("\"loss_scale\"");
        for (String dtype : List.of("fp16", "fp32")) {
            for (String[] qa : QA) {
                Result g = SMELT.run("--quiet", "generate", "--model", model.toString(), "--adapter", adapter.toString(), "--precision",
                        dtype, "--chat", qa[0], "--max-new-tokens", "40", "--temperature", "0");
                assertThat(g.code()).as(g.err()).isZero();
                assertThat(g.out()).as(dtype).contains(qa[1]);
            }
        }
        Result bf16 = SMELT.run("train", "--model", model.toString(), "--data", data.toString(), "--out",
                tmp.resolve("bf16").toString(), "--precision", "bf16", "--max-steps", "2");
        assertThat(bf16.code()).isNotZero();
        assertThat(bf16.err().strip()).doesNotContain("\n").contains("bf16 is not available").contains("fp16");
        assertThat(tmp.resolve("bf16")).doesNotExist();
    }
}
