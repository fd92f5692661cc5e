package dev.smelt.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smelt.cli.Smelt;
import dev.smelt.testkit.cli.CliRunner;
import dev.smelt.testkit.cli.CliRunner.Result;
import org.junit.jupiter.api.Test;

/** {@code smelt bench vision} on its default create-tiny --vision model: prints the figures and the ratio (no timing asserted). */
class BenchVisionCommandTest {
    private static final CliRunner SMELT = new CliRunner(Smelt::run);

    @Test
    void printsEncodeTimeAndBothPrefillRates() {
        Result r = SMELT.run("bench", "vision", "--runs", "2", "--threads", "1");
        assertThat(r.code()).as(r.err()).isZero();
        // 448 x 448 needs no resize: 14 x 14 = 196 image tokens, plus 64 text tokens
        assertThat(r.out()).contains("image tokens: 196 of 260 prompt tokens")
                .containsPattern("preprocess: [0-9.]+ ms, encode: [0-9.]+ ms")
                .containsPattern("prefill with image: [0-9.]+ tokens/s").containsPattern("prefill text only: +[0-9.]+ tokens/s")
                .containsPattern("ratio: [0-9.]+");
        assertThat(r.err()).contains("run 2/2: encode");
    }
}
