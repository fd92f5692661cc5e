package dev.smelt.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smelt.cli.Smelt;
import dev.smelt.core.model.Architecture;
import dev.smelt.core.tiny.TinyModelSpec;
import dev.smelt.core.tiny.TinyModelWriter;
import dev.smelt.testkit.cli.CliRunner;
import dev.smelt.testkit.interop.InteropTool;
import dev.smelt.testkit.interop.LlamaCppHarness;
import dev.smelt.testkit.interop.LlamaTools;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code smelt bench generate} runs both engines, says which llama.cpp it measured, and prints a ratio row (numbers are not asserted). */
class BenchGenerateInteropIT {
    @RegisterExtension static final InteropTool<LlamaCppHarness> LLAMA = InteropTool.llamaCpp();
    private static final CliRunner SMELT = new CliRunner(Smelt::run);
    @TempDir Path tmp;

    @Test
    void printsSpeedsAndRatiosForAModel() throws Exception {
        Path model = tmp.resolve("tiny");
        TinyModelWriter.write(TinyModelSpec.builder(Architecture.QWEN3).seed(2).build(), model);
        CliRunner.Result r = SMELT.run("bench", "generate", "--model", model.toString(),
                "--prompt-tokens", "16", "--gen-tokens", "4", "--repeat", "1", "--threads", "1");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("ratio = smelt / llama.cpp")
                .containsPattern("tiny +0\\.\\dM \\| +[0-9.]+ t/s +[0-9.]+ t/s +[0-9.]+ \\| +[0-9.]+ t/s +[0-9.]+ t/s +[0-9.]+");
        // where the llama.cpp tools were built (CI), llama.cpp is measured by its own llama-bench, not the node harness
        if (LlamaTools.required()) assertThat(r.out()).contains("llama.cpp = its own llama-bench (");
        else assertThat(r.out()).containsPattern("llama\\.cpp = (its own llama-bench|node-llama-cpp)");
    }
}
