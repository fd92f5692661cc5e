package dev.smelt.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smelt.cli.Smelt;
import dev.smelt.testkit.cli.CliRunner;
import dev.smelt.testkit.cli.CliRunner.Result;
import org.junit.jupiter.api.Test;

/**
 * {@code smelt bench onnx} on its default create-tiny llama and qwen3_5: both exports run in onnxruntime beside
 * Smelt and every row prints rates and ratios (no timing asserted).
 */
class BenchOnnxCommandTest {
    private static final CliRunner SMELT = new CliRunner(Smelt::run);

    @Test
    void printsSmeltAndOnnxruntimeRatesWithRatios() {
        Result r = SMELT.run("bench", "onnx", "--prompt-tokens", "16", "--gen-tokens", "8", "--repeat", "1", "--threads", "1");
        assertThat(r.code()).as(r.err()).isZero();
        System.out.println(r.out());
        assertThat(r.out()).contains("ratio = onnxruntime / smelt (DJL, float32)")
                .containsPattern("tiny llama +[0-9.]+M smelt +\\| +[0-9.]+ t/s +1\\.000")
                .containsPattern("tiny qwen3_5 +[0-9.]+M smelt")
                .containsPattern("ort fp32 +\\| +[0-9.]+ t/s +[0-9.]+ \\| +[0-9.]+ t/s +[0-9.]+")
                .containsPattern("ort q4 +\\| +[0-9.]+ t/s +[0-9.]+ \\| +[0-9.]+ t/s +[0-9.]+")
                .containsPattern("ort fp32 opt +\\| +[0-9.]+ t/s +[0-9.]+ \\| +[0-9.]+ t/s +[0-9.]+")
                .containsPattern("ort q4 opt +\\| +[0-9.]+ t/s +[0-9.]+ \\| +[0-9.]+ t/s +[0-9.]+");
        assertThat(r.err()).contains("exporting tiny qwen3_5 to ONNX q4").contains("smelt and onnxruntime on tiny llama, alternating");
    }
}
