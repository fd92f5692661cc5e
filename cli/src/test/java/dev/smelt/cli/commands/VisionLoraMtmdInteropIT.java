package dev.smelt.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smelt.cli.Smelt;
import dev.smelt.core.model.Architecture;
import dev.smelt.core.tiny.TinyModelSpec;
import dev.smelt.core.tiny.TinyModelWriter;
import dev.smelt.testkit.cli.CliRunner;
import dev.smelt.testkit.cli.CliRunner.Result;
import dev.smelt.testkit.interop.InteropTool;
import dev.smelt.testkit.interop.LlamaMtmdCli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue #16 §3 must-show, llama.cpp part: the LoRA of {@link VisionLoraTrainingTest} (a red square and blue stripes, the
 * same question, different answers), merged with {@code smelt merge} and exported as Smelt's text GGUF ({@code smelt
 * convert gguf}) and mmproj ({@code smelt convert mmproj}), makes {@code llama-mtmd-cli} give the trained answer for
 * each image: "A red square." for the red one, "Blue stripes." for the blue one. With {@code --train-vision-merger} the
 * merger adapters are folded into the merged checkpoint's vision weights, so the mmproj carries them too.
 *
 * <p>The images are 256x256 (no resize on either side: llama.cpp letterboxes where transformers stretches). llama.cpp
 * renders the prompt with the GGUF's own chat template ({@code --jinja}); the merged template defaults to what the
 * adapter was trained with ({@code enable_thinking: false}), so its prompt ends where the trained answers begin.
 */
class VisionLoraMtmdInteropIT {
    @TempDir Path tmp;
    @RegisterExtension static final InteropTool<Path> MTMD = InteropTool.llamaBinary(LlamaMtmdCli.BINARY);
    private static final CliRunner SMELT = new CliRunner(Smelt::run);

    @ParameterizedTest(name = "train vision merger {0}")
    @ValueSource(booleans = {false, true})
    void llamaMtmdGivesTheTrainedAnswerForEachImage(boolean merger) throws Exception {
        Path model = tmp.resolve("q35v");
        TinyModelWriter.write(TinyModelSpec.builder(Architecture.QWEN3_5).seed(3).vision(true).build(), model);
        Path images = Files.createDirectories(tmp.resolve("data/images"));
        Path red = VisionLoraTrainingTest.write(images.resolve("red.png"),
                (x, y) -> x >= 64 && x < 192 && y >= 64 && y < 192 ? 0xdd1111 : 0xffffff);
        Path blue = VisionLoraTrainingTest.write(images.resolve("blue.png"), (x, y) -> (y / 32) % 2 == 0 ? 0x1133dd : 0xffffff);
        Path data = tmp.resolve("data/train.jsonl");
        Files.write(data, List.of(VisionLoraTrainingTest.row("images/red.png", VisionLoraTrainingTest.RED),
                VisionLoraTrainingTest.row("images/blue.png", VisionLoraTrainingTest.BLUE)));

        Path adapter = tmp.resolve("adapter");
        Result t = VisionLoraTrainingTest.train(model, data, adapter, merger);
        assertThat(t.code()).as(t.err()).isZero();
        Path merged = tmp.resolve("merged");
        smelt("merge", "--model", model.toString(), "--adapter", adapter.toString(), "--out", merged.toString());
        Path text = tmp.resolve("text.gguf");
        Path mmproj = tmp.resolve("mmproj.gguf");
        smelt("convert", "gguf", "--model", merged.toString(), "--out", text.toString(), "--type", "f32");
        smelt("convert", "mmproj", "--model", merged.toString(), "--out", mmproj.toString(), "--type", "f32");
        assertThat(VisionLoraTrainingTest.generate(merged, null, red)).isEqualTo(VisionLoraTrainingTest.RED);

        LlamaMtmdCli llama = new LlamaMtmdCli(MTMD.get());
        LlamaMtmdCli.Answer forRed = llama.generate(text, mmproj, List.of(red), VisionLoraTrainingTest.QUESTION, 12);
        assertThat(forRed.text()).as(forRed.log()).isEqualTo(LlamaMtmdCli.printed(VisionLoraTrainingTest.RED, true));
        LlamaMtmdCli.Answer forBlue = llama.generate(text, mmproj, List.of(blue), VisionLoraTrainingTest.QUESTION, 12);
        assertThat(forBlue.text()).as(forBlue.log()).isEqualTo(LlamaMtmdCli.printed(VisionLoraTrainingTest.BLUE, true));
        assertThat(forRed.renderedPrompt()).endsWith("<think>\n\n</think>\n\n");
    }

    private static void smelt(String... args) {
        Result r = SMELT.run(args);
        assertThat(r.code()).as(String.join(" ", args) + ": " + r.err()).isZero();
    }
}
