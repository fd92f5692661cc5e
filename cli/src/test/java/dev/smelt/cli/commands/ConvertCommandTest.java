package dev.smelt.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smelt.cli.Smelt;
import dev.smelt.converter.gguf.GgmlType;
import dev.smelt.converter.gguf.GgufReader;
import dev.smelt.testkit.cli.CliRunner.Result;
import dev.smelt.testkit.cli.CliRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConvertCommandTest {
    @TempDir
    Path tmp;

    private static final CliRunner SMELT = new CliRunner(Smelt::run);

    @Test
    void convertsACreateTinyModelAndInspectsTheResult() {
        Path model = tmp.resolve("q35");
        assertThat(SMELT.run("create-tiny", "--arch", "qwen3_5", "--out", model.toString(), "--linear-v-heads", "4",
                "--mtp-layers", "1").code()).isZero();
        Path gguf = tmp.resolve("out/q35.gguf");
        Result r = SMELT.run("convert", "gguf", "--model", model.toString(), "--out", gguf.toString(), "--type", "bf16");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("wrote " + gguf + " (qwen35, ");
        assertThat(r.err()).contains("note: left out").contains("multi-token-prediction").contains("] token_embd.weight");
        try (GgufReader g = GgufReader.open(gguf)) {
            assertThat(g.architecture()).isEqualTo("qwen35");
            assertThat(g.tensor("token_embd.weight").type()).isEqualTo(GgmlType.BF16);
            assertThat(g.tensor("output_norm.weight").type()).isEqualTo(GgmlType.F32);
        }
        Result quiet = SMELT.run("-q", "convert", "gguf", "--model", model.toString(), "--out", gguf.toString());
        assertThat(quiet.code()).isZero();
        assertThat(quiet.err()).isEmpty();

        Result inspect = SMELT.run("inspect", gguf.toString(), "--no-tensors");
        assertThat(inspect.code()).as(inspect.err()).isZero();
        assertThat(inspect.out()).contains("kind:          gguf").contains("architecture:  qwen35")
                .contains("qwen35.ssm.time_step_rank").contains("tokenizer.ggml.pre").contains("\"qwen2\"");
    }

    @Test
    void convertMmprojWritesTheVisionTowerNextToTheTextGguf() {
        Path model = tmp.resolve("q35v");
        assertThat(SMELT.run("-q", "create-tiny", "--arch", "qwen3_5", "--vision", "--out", model.toString()).code()).isZero();
        Path text = tmp.resolve("q35v.gguf");
        Result t = SMELT.run("-q", "convert", "gguf", "--model", model.toString(), "--out", text.toString(), "--type", "f32");
        assertThat(t.code()).as(t.err()).isZero();
        Path mmproj = tmp.resolve("mmproj-q35v-f16.gguf");
        Result r = SMELT.run("convert", "mmproj", "--model", model.toString(), "--out", mmproj.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("wrote " + mmproj + " (mmproj, qwen3vl_merger, 34 tensors, ");
        try (GgufReader g = GgufReader.open(mmproj); GgufReader tg = GgufReader.open(text)) {
            assertThat(g.architecture()).isEqualTo("clip");
            assertThat(g.tensor("v.patch_embd.weight").type()).isEqualTo(GgmlType.F16);
            assertThat(tg.architecture()).isEqualTo("qwen35");
            assertThat(tg.tensors()).noneMatch(i -> i.name().startsWith("v.") || i.name().startsWith("mm."));
        }
        Result bf16 = SMELT.run("convert", "mmproj", "--model", model.toString(), "--out", mmproj.toString(), "--type", "bf16");
        assertThat(bf16.code()).isEqualTo(1);
        assertThat(bf16.err()).isEqualTo("smelt: error: mmproj output type must be f32 or f16 (llama.cpp's converter offers those), got bf16\n");
    }

    @Test
    void convertOnnxWritesTheTransformersJsLayoutAndRefusesWhatItCannotExport() throws Exception {
        Path model = tmp.resolve("llama");
        assertThat(SMELT.run("create-tiny", "--arch", "llama", "--out", model.toString()).code()).isZero();
        Path out = tmp.resolve("llama-onnx");
        Result fp32 = SMELT.run("convert", "onnx", "--model", model.toString(), "--out", out.toString());
        assertThat(fp32.code()).as(fp32.err()).isZero();
        assertThat(fp32.out()).startsWith("wrote " + out.resolve("onnx/model.onnx") + " (llama fp32, ").contains(" inline)");
        assertThat(fp32.err()).contains("] model.embed_tokens.weight");
        Result fp16 = SMELT.run("-q", "convert", "onnx", "--model", model.toString(), "--out", out.toString(), "--dtype", "fp16");
        assertThat(fp16.code()).as(fp16.err()).isZero();
        assertThat(fp16.err()).isEmpty();
        for (String f : new String[] {"config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json",
            "genai_config.json", "onnx/model.onnx", "onnx/model_fp16.onnx"}) {
            assertThat(out.resolve(f)).isRegularFile();
        }
        assertThat(Files.size(out.resolve("onnx/model_fp16.onnx"))).isLessThan(Files.size(out.resolve("onnx/model.onnx")) * 6 / 10);

        Path q35 = tmp.resolve("q35");
        assertThat(SMELT.run("create-tiny", "--arch", "qwen3_5", "--out", q35.toString()).code()).isZero();
        Result hybrid = SMELT.run("convert", "onnx", "--model", q35.toString(), "--out", tmp.resolve("q35-onnx").toString());
        assertThat(hybrid.code()).as(hybrid.err()).isZero();
        assertThat(hybrid.out()).startsWith("wrote " + tmp.resolve("q35-onnx/onnx/model.onnx") + " (qwen3_5 fp32, ");
        assertThat(tmp.resolve("q35-onnx/genai_config.json")).content().contains("\"qwen3_5_text\"");
        Result int4 = SMELT.run("convert", "onnx", "--model", model.toString(), "--out", out.toString(), "--dtype", "int4");
        assertThat(int4.code()).isEqualTo(2);
        assertThat(int4.err()).contains("ONNX dtype \"int4\" is not supported (expected fp32, fp16, q8, q4, q4f16)");

        // q4 of qwen3_5: linear-attention layers at 8 bits unless --all-4-bit, which only q4/q4f16 take
        Result q4 = SMELT.run("-q", "convert", "onnx", "--model", q35.toString(), "--out", tmp.resolve("q35-q4").toString(), "--dtype", "q4");
        assertThat(q4.code()).as(q4.err()).isZero();
        Result all4 = SMELT.run("-q", "convert", "onnx", "--model", q35.toString(), "--out", tmp.resolve("q35-q4-all4").toString(),
                "--dtype", "q4", "--all-4-bit");
        assertThat(all4.code()).as(all4.err()).isZero();
        assertThat(Files.size(tmp.resolve("q35-q4-all4/onnx/model_q4.onnx"))).isLessThan(Files.size(tmp.resolve("q35-q4/onnx/model_q4.onnx")));
        Result wrong = SMELT.run("convert", "onnx", "--model", q35.toString(), "--out", tmp.resolve("q35-fp16").toString(),
                "--dtype", "fp16", "--all-4-bit");
        assertThat(wrong.code()).isEqualTo(1);
        assertThat(wrong.err()).isEqualTo("smelt: error: --all-4-bit applies to --dtype q4 or q4f16, not fp16\n");
        assertThat(tmp.resolve("q35-fp16")).doesNotExist();
    }

    @Test
    void errorsAreOneLineAndUsageErrorsExitTwo() throws Exception {
        Result missing = SMELT.run("convert", "gguf", "--model", tmp.resolve("nope").toString(), "--out", tmp.resolve("x.gguf").toString());
        assertThat(missing.code()).isEqualTo(1);
        assertThat(missing.err()).startsWith("smelt: error: ").contains("nope").hasLineCount(1);
        Result badType = SMELT.run("convert", "gguf", "--model", tmp.toString(), "--out", "x.gguf", "--type", "q9_z");
        assertThat(badType.code()).isEqualTo(2);
        assertThat(SMELT.run("convert").code()).isEqualTo(2);
        Files.writeString(tmp.resolve("not.gguf"), "hello world, definitely not gguf");
        Result inspect = SMELT.run("inspect", tmp.resolve("not.gguf").toString());
        assertThat(inspect.code()).isEqualTo(1);
        assertThat(inspect.err()).contains("not a GGUF file").hasLineCount(1);
        assertThat(tmp.resolve("x.gguf")).doesNotExist();
    }
}
