package dev.smelt.datasets.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smelt.core.chat.ChatTemplate;
import dev.smelt.core.model.Architecture;
import dev.smelt.core.tiny.TinyModelSpec;
import dev.smelt.core.tiny.TinyModelWriter;
import dev.smelt.datasets.format.InvalidRowException;
import dev.smelt.datasets.length.TrainingSequence;
import dev.smelt.datasets.length.Truncation;
import dev.smelt.datasets.prepare.DataOptions;
import dev.smelt.datasets.prepare.DataPreparer;
import dev.smelt.datasets.prepare.ModelText;
import dev.smelt.datasets.prepare.PreparedData;
import dev.smelt.datasets.prepare.SequenceSet;
import dev.smelt.datasets.shards.ModelIdentity;
import dev.smelt.datasets.shards.ShardWriter;
import dev.smelt.datasets.tokenize.TokenizedExample;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Image parts in training data on the tiny Qwen3.5 vision model: rendering as the template renders a content list,
 * the placeholder expanded to the processor's merged-token count, packing that keeps image spans whole, and the
 * one-line errors.
 */
class ImageDataTest {
    @TempDir
    static Path models;

    static Path vision;
    static Path textOnly;
    static int imagePad;
    static int visionStart;
    static int visionEnd;

    @TempDir
    Path dir;

    @BeforeAll
    static void createModels() throws IOException {
        vision = TinyModelWriter.write(TinyModelSpec.builder(Architecture.QWEN3_5).vision(true).build(),
                models.resolve("vision")).directory();
        textOnly = TinyModelWriter.write(TinyModelSpec.builder(Architecture.QWEN3_5).build(), models.resolve("text")).directory();
        try (ModelText t = ModelText.load(vision)) {
            imagePad = t.tokenizer().tokenId("<|image_pad|>");
            visionStart = t.tokenizer().tokenId("<|vision_start|>");
            visionEnd = t.tokenizer().tokenId("<|vision_end|>");
            assertThat(t.images().imageTokenId()).isEqualTo(imagePad);
        }
    }

    private Path png(String name, int w, int h, int rgb) throws IOException {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) img.setRGB(x, y, rgb);
        Path f = dir.resolve(name);
        Files.createDirectories(f.getParent());
        ImageIO.write(img, "png", f.toFile());
        return f;
    }

    private static String row(String image, String question, String answer) {
        return "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image\",\"image\":\"" + image + "\"},"
                + "{\"type\":\"text\",\"text\":\"" + question + "\"}]},{\"role\":\"assistant\",\"content\":\"" + answer + "\"}]}";
    }

    private Path data(String... lines) throws IOException {
        Path f = dir.resolve("data.jsonl");
        Files.write(f, List.of(lines));
        return f;
    }

    private static PreparedData prepare(Path data, Path model, DataOptions options) throws IOException {
        return DataPreparer.builder().data(List.of(data.toString())).model(model).options(options).build();
    }

    private static DataOptions options(int seqLen, boolean packing) {
        return DataOptions.builder().seqLen(seqLen).valSplit(0).packing(packing).seed(1).build();
    }

    @Test
    void imagePartsRenderAsTheTemplateRendersAContentListWithThePadExpanded() throws IOException {
        png("img/red.png", 64, 48, 0xff0000); // smart resize: 64x64 < 65536 px -> 320x224 -> 10 x 7 merged tokens
        Path data = data(row("img/red.png", "What colour?", "Red."));
        try (PreparedData p = prepare(data, vision, options(512, false)); ModelText text = ModelText.load(vision)) {
            TrainingSequence s = p.train().get(0);
            assertThat(s.images()).hasSize(1);
            ImageRef ref = s.images().get(0);
            assertThat(ref.file()).isEqualTo(dir.resolve("img/red.png").toAbsolutePath().normalize());
            assertThat(ref.rows()).isEqualTo(7);
            assertThat(ref.cols()).isEqualTo(10);
            assertThat(ref.tokens()).isEqualTo(70);

            // what transformers does: the template renders the content list, the processor repeats <|image_pad|>
            // once per merged token, then the text is tokenized
            ChatTemplate template = ChatTemplate.fromModelDir(vision);
            List<Map<String, Object>> parts = List.of(Map.of("type", "image", "image", "img/red.png"),
                    Map.of("type", "text", "text", "What colour?"));
            String rendered = template.renderMaps(List.of(Map.of("role", "user", "content", parts),
                    Map.of("role", "assistant", "content", "Red.")), false, Map.of());
            assertThat(rendered).contains("<|vision_start|><|image_pad|><|vision_end|>What colour?");
            String expanded = rendered.replace("<|image_pad|>", "<|image_pad|>".repeat(70));
            int[] expected = text.tokenizer().encode(expanded, false).ids();
            assertThat(s.inputIds()).containsExactly(expected);

            int first = indexOf(s.inputIds(), imagePad);
            assertThat(s.inputIds()[first - 1]).isEqualTo(visionStart);
            assertThat(s.inputIds()[first + 70]).isEqualTo(visionEnd);
            for (int i = first; i < first + 70; i++) {
                assertThat(s.inputIds()[i]).isEqualTo(imagePad);
                assertThat(s.labels()[i]).isEqualTo(TokenizedExample.IGNORE);
            }
            assertThat(p.trainReport().images()).isEqualTo(1);
            assertThat(p.trainReport().imageTokens()).isEqualTo(70);
        }
    }

    @Test
    void packingKeepsEveryImageSpanWholeInsideItsExample() throws IOException {
        png("a.png", 64, 64, 0xff0000); // 256x256 -> 8 x 8 = 64 tokens
        png("b.png", 96, 32, 0x0000ff); // 96x32 -> scaled up to 448x160 -> 14 x 5 = 70 tokens
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            String img = i % 2 == 0 ? "a.png" : "b.png";
            lines.add(i % 3 == 2 ? "{\"messages\":[{\"role\":\"user\",\"content\":\"text only " + i + "\"},"
                    + "{\"role\":\"assistant\",\"content\":\"fine " + i + "\"}]}" : row(img, "Which " + i + "?", "Answer " + i + "."));
        }
        Path data = data(lines.toArray(String[]::new));
        try (PreparedData p = prepare(data, vision, options(300, true))) {
            SequenceSet train = p.train();
            int images = 0;
            boolean packedSeveral = false;
            for (int r = 0; r < train.size(); r++) {
                TrainingSequence s = train.get(r);
                packedSeveral |= s.segments() > 1;
                assertThat(s.length()).isLessThanOrEqualTo(300);
                // the runs of image tokens, in order, are exactly the row's images, each inside one segment
                int k = 0;
                int i = 0;
                while (i < s.length()) {
                    if (s.inputIds()[i] != imagePad) {
                        i++;
                        continue;
                    }
                    int start = i;
                    while (i < s.length() && s.inputIds()[i] == imagePad) i++;
                    assertThat(k).as("row %d has more image runs than images", r).isLessThan(s.images().size());
                    assertThat(i - start).isEqualTo(s.images().get(k).tokens());
                    assertThat(s.segmentIds()[start]).isEqualTo(s.segmentIds()[i - 1]);
                    assertThat(s.positionIds()[i - 1] - s.positionIds()[start]).isEqualTo(i - 1 - start);
                    k++;
                }
                assertThat(k).isEqualTo(s.images().size());
                images += k;
            }
            assertThat(packedSeveral).isTrue();
            assertThat(images).isEqualTo(8);
        }
    }

    @Test
    void anExampleWithImagesIsDroppedRatherThanCut() throws IOException {
        png("a.png", 64, 64, 0xff0000);
        Path data = data(row("a.png", "Q?", "A."), "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"},"
                + "{\"role\":\"assistant\",\"content\":\"hello\"}]}");
        DataOptions o = DataOptions.builder().seqLen(40).valSplit(0).packing(false).truncation(Truncation.RIGHT).build();
        try (PreparedData p = prepare(data, vision, o)) {
            assertThat(p.train().size()).isEqualTo(1);
            assertThat(p.train().get(0).images()).isEmpty();
            assertThat(p.trainReport().droppedTooLong()).isEqualTo(1);
        }
    }

    @Test
    void missingUnreadableAndTextOnlyModelErrorsNameTheLine() throws IOException {
        png("a.png", 64, 64, 0xff0000);
        Files.writeString(dir.resolve("notes.png"), "not an image");
        Path missing = data(row("a.png", "Q?", "A."), row("gone.png", "Q?", "A."));
        assertThatThrownBy(() -> prepare(missing, vision, options(512, false)))
                .isInstanceOf(InvalidRowException.class)
                .hasMessageStartingWith(missing + ":2: image \"gone.png\" not found");
        Path bad = data(row("notes.png", "Q?", "A."));
        assertThatThrownBy(() -> prepare(bad, vision, options(512, false)))
                .hasMessageStartingWith(bad + ":1: image \"notes.png\" is not a readable image");
        Path fine = data(row("a.png", "Q?", "A."));
        assertThatThrownBy(() -> prepare(fine, textOnly, options(512, false)))
                .hasMessageStartingWith(fine + ":1: has an image part (\"a.png\") but " + textOnly + " takes no images");
        Path inAnswer = data("{\"messages\":[{\"role\":\"user\",\"content\":\"Q\"},{\"role\":\"assistant\",\"content\":"
                + "[{\"type\":\"image\",\"image\":\"a.png\"}]}]}");
        assertThatThrownBy(() -> prepare(inAnswer, vision, options(512, false)))
                .hasMessage(inAnswer + ":1: \"messages\"[1] (role assistant) has an image part; images can only be in user messages");
    }

    @Test
    void preparedShardsRefuseImageData() throws IOException {
        png("a.png", 64, 64, 0xff0000);
        Path data = data(row("a.png", "Q?", "A."));
        try (PreparedData p = prepare(data, vision, options(512, false))) {
            assertThatThrownBy(() -> new ShardWriter(1000, 10_000).write(dir.resolve("out"), p, ModelIdentity.of(vision),
                    options(512, false), List.of(data.toString()), List.of(), null))
                    .hasMessage(data + ": 1 example(s) with 1 image(s); prepared shards hold tokens only, not images:"
                            + " train on the data itself (smelt train --data " + data + ")");
        }
        assertThat(dir.resolve("out")).doesNotExist();
    }

    private static int indexOf(int[] a, int v) {
        for (int i = 0; i < a.length; i++) if (a[i] == v) return i;
        return -1;
    }
}
