package dev.smelt.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smelt.cli.Smelt;
import dev.smelt.core.model.Architecture;
import dev.smelt.core.model.ModelDirectory;
import dev.smelt.core.safetensors.SafetensorsModel;
import dev.smelt.core.tiny.TinyModelSpec;
import dev.smelt.core.tiny.TinyModelWriter;
import dev.smelt.testkit.cli.CliRunner;
import dev.smelt.trainer.lora.LoraSettings;
import dev.smelt.trainer.peft.AdapterFiles;
import dev.smelt.testkit.cli.CliRunner.Result;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #16 §3 must-show: a LoRA trained on tiny image+text data (a red square and blue stripes, the same question,
 * different answers) makes create-tiny qwen3_5 --vision give the trained answer for the trained image and the other
 * image's answer for the other image, through {@code smelt generate --adapter} and through the merged model; the
 * merge keeps the vision tower byte-identical, or folds the merger adapters in with {@code --train-vision-merger}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VisionLoraTrainingTest {
    static final String QUESTION = "What is in the picture?";
    static final String RED = "A red square.";
    static final String BLUE = "Blue stripes.";
    private static final CliRunner SMELT = new CliRunner(Smelt::run);

    @TempDir static Path tmp;
    Path model;
    Path red;
    Path blue;
    Path data;

    @BeforeAll
    void setUp() throws Exception {
        model = tmp.resolve("q35v");
        TinyModelWriter.write(TinyModelSpec.builder(Architecture.QWEN3_5).seed(3).vision(true).build(), model);
        Path images = Files.createDirectories(tmp.resolve("data/images"));
        // 256 x 256: no resize on any side (64 merged tokens), as llama.cpp letterboxes where transformers stretches
        red = write(images.resolve("red.png"), (x, y) -> x >= 64 && x < 192 && y >= 64 && y < 192 ? 0xdd1111 : 0xffffff);
        blue = write(images.resolve("blue.png"), (x, y) -> (y / 32) % 2 == 0 ? 0x1133dd : 0xffffff);
        data = tmp.resolve("data/train.jsonl");
        Files.write(data, List.of(row("images/red.png", RED), row("images/blue.png", BLUE)));
    }

    interface Pixels {
        int rgb(int x, int y);
    }

    static Path write(Path file, Pixels px) throws Exception {
        BufferedImage img = new BufferedImage(256, 256, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 256; y++) for (int x = 0; x < 256; x++) img.setRGB(x, y, px.rgb(x, y));
        ImageIO.write(img, "png", file.toFile());
        return file;
    }

    static String row(String image, String answer) {
        return "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image\",\"image\":\"" + image + "\"},"
                + "{\"type\":\"text\",\"text\":\"" + QUESTION + "\"}]},{\"role\":\"assistant\",\"content\":\"" + answer + "\"}]}";
    }

    /** Trains the adapter (the vision merger too when asked). */
    static Result train(Path model, Path data, Path out, boolean merger) {
        List<String> args = new ArrayList<>(List.of("train", "--model", model.toString(), "--data", data.toString(),
                "--out", out.toString(), "--max-steps", "24", "--batch-size", "2", "--lr", "1e-2", "--warmup-steps", "0",
                "--lora-r", "8", "--lora-alpha", "16", "--lora-dropout", "0", "--seq-len", "256", "--save-every", "0",
                "--seed", "5", "--threads", "2"));
        if (merger) args.add("--train-vision-merger");
        return SMELT.run(args.toArray(String[]::new));
    }

    static String generate(Path model, Path adapter, Path image) {
        List<String> args = new ArrayList<>(List.of("generate", "--model", model.toString(), "--image",
                image.toString(), "--chat", QUESTION, "--max-new-tokens", "12", "--threads", "2"));
        if (adapter != null) {
            args.add("--adapter");
            args.add(adapter.toString());
        }
        Result r = SMELT.run(args.toArray(String[]::new));
        assertThat(r.code()).as(r.err()).isZero();
        return r.out().strip();
    }

    @Test
    void theAdapterAnswersForTheTrainedImageThroughGenerateAndTheMergedModel() throws Exception {
        Result inspect = SMELT.run("data", "inspect", "--data", data.toString(), "--model", model.toString());
        assertThat(inspect.code()).as(inspect.err()).isZero();
        assertThat(inspect.out()).contains("images:    2 in 2 examples, 128 image tokens");

        Path adapter = tmp.resolve("adapter");
        Result t = train(model, data, adapter, false);
        assertThat(t.code()).as(t.err()).isZero();
        assertThat(generate(model, null, red)).doesNotContain(RED);

        assertThat(generate(model, adapter, red)).isEqualTo(RED);
        assertThat(generate(model, adapter, blue)).isEqualTo(BLUE);

        Path merged = tmp.resolve("merged");
        Result m = SMELT.run("merge", "--model", model.toString(), "--adapter", adapter.toString(), "--out", merged.toString());
        assertThat(m.code()).as(m.err()).isZero();
        assertThat(generate(merged, null, red)).isEqualTo(RED);
        assertThat(generate(merged, null, blue)).isEqualTo(BLUE);
        try (SafetensorsModel a = ModelDirectory.open(model).weights(); SafetensorsModel b = ModelDirectory.open(merged).weights()) {
            int vision = 0;
            for (String name : a.names()) {
                if (!name.startsWith("model.visual.")) continue;
                vision++;
                assertThat(b.bytes(name)).as(name).isEqualTo(a.bytes(name));
            }
            assertThat(vision).isEqualTo(33);
        }
    }

    @Test
    void withTheMergerTrainedItsAdaptersAreSavedAppliedAndMergedIntoTheVisionWeights() throws Exception {
        Path adapter = tmp.resolve("adapter-merger");
        Result t = train(model, data, adapter, true);
        assertThat(t.code()).as(t.err()).isZero();
        AdapterFiles.Adapter saved = AdapterFiles.read(adapter);
        for (String m : List.of("model.visual.merger.linear_fc1", "model.visual.merger.linear_fc2")) {
            assertThat(saved.pairs()).containsKey(m);
            assertThat(saved.config().targetModules()).isInstanceOfSatisfying(LoraSettings.Targets.Names.class,
                    n -> assertThat(n.names()).contains(m).doesNotContain("linear_fc1", "linear_fc2"));
        }
        try (SafetensorsModel w = SafetensorsModel.open(adapter.resolve(AdapterFiles.WEIGHTS))) {
            assertThat(w.names()).contains("base_model.model.model.visual.merger.linear_fc1.lora_A.weight",
                    "base_model.model.model.visual.merger.linear_fc2.lora_B.weight");
        }
        assertThat(generate(model, adapter, red)).isEqualTo(RED);
        assertThat(generate(model, adapter, blue)).isEqualTo(BLUE);

        Path merged = tmp.resolve("merged-merger");
        Result m = SMELT.run("merge", "--model", model.toString(), "--adapter", adapter.toString(), "--out", merged.toString());
        assertThat(m.code()).as(m.err()).isZero();
        assertThat(generate(merged, null, red)).isEqualTo(RED);
        assertThat(generate(merged, null, blue)).isEqualTo(BLUE);
        try (SafetensorsModel a = ModelDirectory.open(model).weights(); SafetensorsModel b = ModelDirectory.open(merged).weights()) {
            for (String name : a.names()) {
                if (!name.startsWith("model.visual.")) continue;
                boolean folded = name.equals("model.visual.merger.linear_fc1.weight") || name.equals("model.visual.merger.linear_fc2.weight");
                if (folded) assertThat(b.bytes(name)).as(name).isNotEqualTo(a.bytes(name));
                else assertThat(b.bytes(name)).as(name).isEqualTo(a.bytes(name));
            }
        }
    }
}
