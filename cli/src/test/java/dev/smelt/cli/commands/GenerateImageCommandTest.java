package dev.smelt.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import dev.smelt.cli.Smelt;
import dev.smelt.core.chat.ChatMessage;
import dev.smelt.core.model.Architecture;
import dev.smelt.core.model.ModelDirectory;
import dev.smelt.core.tiny.TinyModelSpec;
import dev.smelt.core.tiny.TinyModelWriter;
import dev.smelt.core.vision.RgbImage;
import dev.smelt.models.generate.ImagePrompt;
import dev.smelt.models.generate.LanguageModel;
import dev.smelt.models.qwen35.Qwen35Model;
import dev.smelt.testkit.cli.CliRunner;
import dev.smelt.testkit.cli.CliRunner.Result;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** {@code smelt generate --image} on create-tiny qwen3_5 --vision. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GenerateImageCommandTest {
    @TempDir static Path tmp;
    Path model;
    Path picture;
    Path square;

    private static final CliRunner SMELT = new CliRunner(Smelt::run);

    @BeforeAll
    void setUp() throws Exception {
        model = tmp.resolve("q35v");
        TinyModelWriter.write(TinyModelSpec.builder(Architecture.QWEN3_5).seed(3).vision(true).build(), model);
        picture = png("a.png", 48, 64, 1);   // stretched to 224 x 320: 70 tokens
        square = png("b.png", 256, 256, 2);  // no resize: 64 tokens
    }

    private static Path png(String name, int w, int h, int seed) throws Exception {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) img.setRGB(x, y, ((x * 5 * seed) & 0xff) << 16 | ((y * 3) & 0xff) << 8 | (x ^ y) & 0xff);
        Path p = tmp.resolve(name);
        ImageIO.write(img, "png", p.toFile());
        return p;
    }

    @Test
    void greedyTokensWithTwoImagesEqualRepeatedFullForwards() throws Exception {
        Result r = SMELT.run("generate", "--model", model.toString(), "--image", picture.toString(), "--image", square.toString(),
                "--chat", "What is in these images?", "--max-new-tokens", "6", "--print-ids", "--ignore-eos", "--threads", "1");
        assertThat(r.code()).as(r.err()).isZero();
        try (LanguageModel lm = LanguageModel.open(ModelDirectory.open(model), Device.cpu(), DataType.FLOAT32)) {
            long[] ids = lm.encodeChat(List.of(ChatMessage.user(lm.imagePlaceholder().repeat(2) + "What is in these images?")));
            ImagePrompt p = lm.withImages(ids, List.of(RgbImage.read(picture), RgbImage.read(square)));
            assertThat(p.imageTokens()).isEqualTo(70 + 64);
            assertThat(p.ids().length).isEqualTo(ids.length - 2 + 134);
            assertThat(r.err()).contains("smelt: " + p.ids().length + " prompt tokens, 6 generated");
            // reference: greedy over full forwards (no cache, positions recomputed from scratch each time)
            Qwen35Model m = (Qwen35Model) lm.model();
            List<Long> seq = new ArrayList<>();
            for (long id : p.ids()) seq.add(id);
            List<String> expected = new ArrayList<>();
            try (NDManager nd = m.manager().newSubManager()) {
                ParameterStore ps = new ParameterStore(nd, false);
                for (int k = 0; k < 6; k++) {
                    long[] cur = seq.stream().mapToLong(Long::longValue).toArray();
                    NDArray logits = m.logitsWithImages(ps, nd.create(cur, new Shape(1, cur.length)), p.images());
                    long next = logits.get("0, -1, :").argMax().getLong();
                    seq.add(next);
                    expected.add(Long.toString(next));
                }
            }
            assertThat(r.out().trim()).isEqualTo(String.join(" ", expected));
        }
    }

    @Test
    void badImagesAndTextOnlyModelsAreOneLineErrors() throws Exception {
        Path junk = tmp.resolve("junk.png");
        Files.writeString(junk, "not a picture");
        Result bad = SMELT.run("generate", "--model", model.toString(), "--image", junk.toString(), "--chat", "hi");
        assertThat(bad.code()).isEqualTo(1);
        assertThat(bad.err()).isEqualTo("smelt: error: " + junk + ": not a readable image (expected PNG or JPEG)\n");
        Result missing = SMELT.run("generate", "--model", model.toString(), "--image", tmp.resolve("none.png").toString(), "--chat", "hi");
        assertThat(missing.code()).isEqualTo(1);
        assertThat(missing.err()).endsWith("none.png: image file not found\n");
        Result noChat = SMELT.run("generate", "--model", model.toString(), "--image", picture.toString(), "--prompt", "hi");
        assertThat(noChat.code()).isEqualTo(1);
        assertThat(noChat.err()).contains("--image needs --chat");

        // 2048 x 2048 becomes 64 x 64 = 4096 tokens, over the tiny model's 2048-token context: refused before resizing
        Path huge = png("huge.png", 2048, 2048, 3);
        Result big = SMELT.run("-q", "generate", "--model", model.toString(), "--image", huge.toString(), "--chat", "hi");
        assertThat(big.code()).isEqualTo(1);
        assertThat(big.err()).startsWith("smelt: error: the prompt with its image(s) (2048x2048) is ")
                .contains("tokens but the model's context limit is 2048 tokens");

        Path text = tmp.resolve("text");
        TinyModelWriter.write(TinyModelSpec.builder(Architecture.QWEN3).seed(3).build(), text);
        Result plain = SMELT.run("-q", "generate", "--model", text.toString(), "--image", picture.toString(), "--chat", "hi");
        assertThat(plain.code()).isEqualTo(1);
        assertThat(plain.err()).startsWith("smelt: error: ").contains("this model takes no images").doesNotContain("\n\n");
        assertThat(plain.err().lines().count()).isEqualTo(1);
        assertThat(Arrays.asList(plain.err().split("\n"))).hasSize(1);
    }
}
