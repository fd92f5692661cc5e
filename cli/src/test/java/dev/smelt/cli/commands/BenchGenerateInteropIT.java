package dev.smelt.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.smelt.cli.Smelt;
import dev.smelt.converter.interop.LlamaCppHarness;
import dev.smelt.core.model.Architecture;
import dev.smelt.core.tiny.TinyModelSpec;
import dev.smelt.core.tiny.TinyModelWriter;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code smelt bench generate} runs both engines and prints a ratio row (numbers are not asserted). */
class BenchGenerateInteropIT {
    @TempDir Path tmp;

    @Test
    void printsSpeedsAndRatiosForAModel() throws Exception {
        if (LlamaCppHarness.locate().isEmpty()) {
            if (LlamaCppHarness.required()) fail("interop required but " + LlamaCppHarness.missingReason());
            assumeTrue(false, "skipping: " + LlamaCppHarness.missingReason());
        }
        Path model = tmp.resolve("tiny");
        TinyModelWriter.write(TinyModelSpec.builder(Architecture.QWEN3).seed(2).build(), model);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Smelt.run(new PrintWriter(out), new PrintWriter(err), "bench", "generate", "--model", model.toString(),
                "--prompt-tokens", "16", "--gen-tokens", "4", "--repeat", "1", "--threads", "1");
        assertThat(code).as(err.toString()).isZero();
        assertThat(out.toString()).contains("ratio = smelt / llama.cpp")
                .containsPattern("tiny +0\\.\\dM \\| +[0-9.]+ t/s +[0-9.]+ t/s +[0-9.]+ \\| +[0-9.]+ t/s +[0-9.]+ t/s +[0-9.]+");
    }
}
