package dev.smelt.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smelt.cli.Smelt;
import dev.smelt.testkit.cli.CliRunner.Result;
import dev.smelt.testkit.cli.CliRunner;
import org.junit.jupiter.api.Test;

/**
 * {@code smelt bench train --arch qwen3 --hidden H --layers L} on a tiny size: the four child trainings (short and
 * long, fused and unfused) run and every figure the issue asks for is printed (no timing asserted).
 */
class BenchTrainCommandTest {
    private static final CliRunner SMELT = new CliRunner(Smelt::run);

    @Test
    void printsStepTimeTokensRssAndMatmulFractionBesideTheUnfusedBaseline() {
        Result r = SMELT.run("bench", "train", "--arch", "qwen3", "--hidden", "32", "--layers", "1", "--seq-len", "16",
                "--batch-size", "2", "--short-steps", "1", "--steps", "1", "--compare-unfused", "--threads", "1");
        assertThat(r.code()).as(r.err()).isZero();
        System.out.println(r.out());
        assertThat(r.out()).contains("model: qwen3 hidden 32 x 1 layers")
                .containsPattern("LoRA r=16 on all linear modules: [0-9,]+ trainable")
                .containsPattern("cpu, fp32, seq-len 16, batch 2: 1 and 2 steps took [0-9.]+ s and [0-9.]+ s -> -?[0-9.]+ s/step, -?[0-9.]+ tokens/s")
                .containsPattern("libtorch fp32 matmul on cpu \\(same run\\): [0-9.]+ GFLOP/s")
                .containsPattern("achieved fraction of matmul: -?[0-9.]+")
                .containsPattern("peak RSS of the longer training: [0-9.]+ MiB")
                .containsPattern("unfused baseline \\(fusion and flat AdamW off, same run\\): .* speed fused / unfused: -?[0-9.]+");
    }

    @Test
    void refusesAnEmptyMeasurement() {
        Result r = SMELT.run("bench", "train", "--arch", "qwen3", "--steps", "0");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("--steps and --short-steps must be >= 1");
    }
}
