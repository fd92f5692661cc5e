package dev.smelt.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smelt.testkit.cli.CliRunner.Result;
import dev.smelt.testkit.cli.CliRunner;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Usage errors, value ranges checked before any model loads, help wrapping and the completion shells. */
class UsageAndHelpTest {
    @TempDir
    Path tmp;

    private static final CliRunner SMELT = new CliRunner(Smelt::run);

    @Test
    void aUsageErrorIsOneLineAndAHintNotTheWholeHelp() {
        Result r = SMELT.run("generate", "--model", tmp.toString(), "--prompt", "x", "--frobnicate");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).isEqualTo("smelt: error: Unknown option: '--frobnicate'\nsee smelt generate -h\n");

        Result missing = SMELT.run("convert", "gguf", "--out", "x.gguf");
        assertThat(missing.code()).isEqualTo(2);
        assertThat(missing.err()).isEqualTo("smelt: error: Missing required option: '--model=DIR'\nsee smelt convert gguf -h\n");

        Result badInt = SMELT.run("generate", "--model", tmp.toString(), "--prompt", "x", "--max-new-tokens", "lots");
        assertThat(badInt.code()).isEqualTo(2);
        assertThat(badInt.err()).startsWith("smelt: error: Invalid value for option '--max-new-tokens'").doesNotContain("Usage:");
    }

    /** The model directory does not exist: any of these loading the model first would fail with exit 1 on it. */
    @Test
    void valueRangesAreUsageErrorsFoundBeforeTheModelLoads() {
        String missingModel = tmp.resolve("no-model").toString();
        String[][] cases = {
            {"--max-new-tokens", "-5", "--max-new-tokens must be 0 or more, got -5"},
            {"--top-p", "7", "--top-p must be in (0, 1], got 7.0"},
            {"--top-p", "0", "--top-p must be in (0, 1], got 0.0"},
            {"--temperature", "-1", "--temperature must be 0 or more, got -1.0"},
            {"--top-k", "-2", "--top-k must be 0 or more, got -2"},
            {"--repetition-penalty", "0", "--repetition-penalty must be above 0, got 0.0"},
        };
        for (String[] c : cases) {
            Result r = SMELT.run("generate", "--model", missingModel, "--prompt", "x", c[0], c[1]);
            assertThat(r.code()).as(c[0]).isEqualTo(2);
            assertThat(r.err()).isEqualTo("smelt: error: " + c[2] + "\nsee smelt generate -h\n");
        }
        Result port = SMELT.run("serve", "--model", missingModel, "--port", "70000");
        assertThat(port.code()).isEqualTo(2);
        assertThat(port.err()).isEqualTo("smelt: error: --port must be 0..65535, got 70000\nsee smelt serve -h\n");
    }

    @Test
    void aPortInUseIsFoundBeforeTheModelLoads() throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            int port = taken.getLocalPort();
            Result r = SMELT.run("serve", "--model", tmp.resolve("no-model").toString(), "--host", "127.0.0.1", "--port",
                    Integer.toString(port));
            assertThat(r.code()).isEqualTo(1);
            assertThat(r.err()).startsWith("smelt: error: 127.0.0.1:" + port + ": cannot listen (")
                    .endsWith("choose another --port\n")
                    .doesNotContain("no-model");
        }
    }

    @Test
    void helpWrapsAtWordBoundariesWithinEightyColumns() {
        String[][] commands = {{"-h"}, {"generate", "-h"}, {"train", "-h"}, {"quantize", "-h"}, {"convert", "gguf", "-h"},
            {"data", "inspect", "-h"}, {"create-tiny", "-h"}, {"serve", "-h"}, {"bench", "quantize", "-h"}, {"bundle", "-h"},
            {"bundle", "verify", "-h"}, {"push", "-h"}, {"convert", "lora-gguf", "-h"}, {"imatrix", "-h"}, {"quant-report", "-h"},
            {"sweep", "expand", "-h"}, {"fleet", "submit", "-h"}, {"fleet", "collect", "-h"}, {"recipe", "run", "-h"}};
        for (String[] args : commands) {
            Result r = SMELT.run(args);
            assertThat(r.code()).as(String.join(" ", args)).isZero();
            assertThat(r.err()).as(String.join(" ", args)).isEmpty();
            for (String line : r.out().split("\n")) {
                assertThat(line.length()).as(line).isLessThanOrEqualTo(HelpWrap.WIDTH);
            }
            // picocli alone breaks "generation_config.json" after the dot and "e.g." in two
            assertThat(r.out()).doesNotContainPattern("[a-z]\\.\\n\\s+(json|g\\.|jsonl)");
        }
        String generate = SMELT.run("generate", "-h").out();
        assertThat(generate).startsWith("Usage: smelt generate ").contains("generation_config.json").contains("e.g. BOS");
        // a continuation line starts under the option's description, not at the margin
        assertThat(generate).containsPattern("\\n      --max-new-tokens=N   Most tokens to generate \\(default:\\n {29}generation_config\\.json");
        // the command list shows each command's first sentence
        assertThat(SMELT.run("-h").out()).contains("  train         LoRA supervised fine-tuning.\n");
    }

    @Test
    void wrapBreaksOnlyAtSpaces() {
        assertThat(HelpWrap.wrap("  --x=N   " + "word ".repeat(20).strip(), 40))
                .isEqualTo("  --x=N   word word word word word word\n"
                        + "            word word word word word\n"
                        + "            word word word word word\n"
                        + "            word word word word");
        assertThat(HelpWrap.wrap("a.b.c.d " + "x".repeat(50), 20)).isEqualTo("a.b.c.d\n" + "x".repeat(50));
    }

    @Test
    void completionIsForBashAndRefusesZsh() {
        Result bash = SMELT.run("completion", "bash");
        assertThat(bash.code()).isZero();
        assertThat(bash.out()).contains("complete -F _complete_smelt");
        Result zsh = SMELT.run("completion", "zsh");
        assertThat(zsh.code()).isEqualTo(2);
        assertThat(zsh.out()).isEmpty();
        assertThat(zsh.err()).startsWith("smelt: error: Invalid value for positional parameter at index 0 (SHELL): expected one of [bash]")
                .endsWith("see smelt completion -h\n");
    }
}
