package dev.smelt.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smelt.cli.Smelt;
import dev.smelt.converter.gguf.GgufReader;
import dev.smelt.testkit.cli.CliRunner.Result;
import dev.smelt.testkit.cli.CliRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code smelt convert gguf --adapter DIR} merges on the fly: the same bytes as {@code smelt merge} followed by
 * converting the merged model, for a plain type and for a quantization mix (one streaming pass).
 */
class ConvertAdapterCommandTest {
    private static final CliRunner SMELT = new CliRunner(Smelt::run);

    @TempDir Path tmp;

    @ParameterizedTest(name = "{0} --type {1}")
    @CsvSource({"llama,f32", "llama,Q4_K_M", "qwen3_5,f32", "qwen3_5,Q4_K_M"})
    void convertingWithAnAdapterEqualsMergingThenConverting(String arch, String type) throws Exception {
        Path base = tmp.resolve("base");
        assertThat(SMELT.run("create-tiny", "--arch", arch, "--out", base.toString(), "--hidden", "256", "--linear-v-heads",
                arch.equals("qwen3_5") ? "4" : "2").code()).isZero();
        Path adapter = tmp.resolve("adapter");
        RandomAdapters.write(base, adapter, arch.equals("qwen3_5"));
        Path merged = tmp.resolve("merged");
        Result m = SMELT.run("merge", "--model", base.toString(), "--adapter", adapter.toString(), "--out", merged.toString());
        assertThat(m.code()).as(m.err()).isZero();

        Path direct = tmp.resolve("direct.gguf");
        Result r = SMELT.run("convert", "gguf", "--model", base.toString(), "--adapter", adapter.toString(), "--out", direct.toString(),
                "--type", type, "--name", "m", "--threads", "2");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).contains("note: merged the LoRA adapter " + adapter);
        Path twoStep = tmp.resolve("two-step.gguf");
        Result c = SMELT.run("convert", "gguf", "--model", merged.toString(), "--out", twoStep.toString(), "--type", type, "--name", "m",
                "--threads", "2");
        assertThat(c.code()).as(c.err()).isZero();

        assertThat(Files.mismatch(direct, twoStep)).as("first differing byte").isEqualTo(-1L);
        Path plain = tmp.resolve("plain.gguf");
        assertThat(SMELT.run("convert", "gguf", "--model", base.toString(), "--out", plain.toString(), "--type", type, "--name", "m",
                "--threads", "2").code()).isZero();
        try (GgufReader g = GgufReader.open(direct); GgufReader p = GgufReader.open(plain)) {
            String adapted = arch.equals("qwen3_5") ? "blk.0.attn_qkv.weight" : "blk.0.attn_q.weight";
            assertThat(g.bytes(adapted)).as("an adapted weight changed").isNotEqualTo(p.bytes(adapted));
            assertThat(g.bytes("blk.0.attn_norm.weight")).as("a weight the adapter leaves alone").isEqualTo(p.bytes("blk.0.attn_norm.weight"));
        }
    }
}
