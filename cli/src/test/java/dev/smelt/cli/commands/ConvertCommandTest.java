package dev.smelt.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smelt.cli.Smelt;
import dev.smelt.converter.gguf.GgmlType;
import dev.smelt.converter.gguf.GgufReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConvertCommandTest {
    @TempDir
    Path tmp;

    record Result(int code, String out, String err) {}

    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Smelt.run(new PrintWriter(out), new PrintWriter(err), args);
        return new Result(code, out.toString(), err.toString());
    }

    @Test
    void convertsACreateTinyModelAndInspectsTheResult() {
        Path model = tmp.resolve("q35");
        assertThat(run("create-tiny", "--arch", "qwen3_5", "--out", model.toString(), "--linear-v-heads", "4",
                "--mtp-layers", "1").code()).isZero();
        Path gguf = tmp.resolve("out/q35.gguf");
        Result r = run("convert", "gguf", "--model", model.toString(), "--out", gguf.toString(), "--type", "bf16");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("wrote " + gguf + " (qwen35, ");
        assertThat(r.err()).contains("note: left out").contains("multi-token-prediction").contains("] token_embd.weight");
        try (GgufReader g = GgufReader.open(gguf)) {
            assertThat(g.architecture()).isEqualTo("qwen35");
            assertThat(g.tensor("token_embd.weight").type()).isEqualTo(GgmlType.BF16);
            assertThat(g.tensor("output_norm.weight").type()).isEqualTo(GgmlType.F32);
        }
        Result quiet = run("-q", "convert", "gguf", "--model", model.toString(), "--out", gguf.toString());
        assertThat(quiet.code()).isZero();
        assertThat(quiet.err()).isEmpty();

        Result inspect = run("inspect", gguf.toString(), "--no-tensors");
        assertThat(inspect.code()).as(inspect.err()).isZero();
        assertThat(inspect.out()).contains("kind:          gguf").contains("architecture:  qwen35")
                .contains("qwen35.ssm.time_step_rank").contains("tokenizer.ggml.pre").contains("\"qwen2\"");
    }

    @Test
    void errorsAreOneLineAndUsageErrorsExitTwo() throws Exception {
        Result missing = run("convert", "gguf", "--model", tmp.resolve("nope").toString(), "--out", tmp.resolve("x.gguf").toString());
        assertThat(missing.code()).isEqualTo(1);
        assertThat(missing.err()).startsWith("smelt: error: ").contains("nope").hasLineCount(1);
        Result badType = run("convert", "gguf", "--model", tmp.toString(), "--out", "x.gguf", "--type", "q9_z");
        assertThat(badType.code()).isEqualTo(2);
        assertThat(run("convert").code()).isEqualTo(2);
        Files.writeString(tmp.resolve("not.gguf"), "hello world, definitely not gguf");
        Result inspect = run("inspect", tmp.resolve("not.gguf").toString());
        assertThat(inspect.code()).isEqualTo(1);
        assertThat(inspect.err()).contains("not a GGUF file").hasLineCount(1);
        assertThat(tmp.resolve("x.gguf")).doesNotExist();
    }
}
