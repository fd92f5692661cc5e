package dev.smelt.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smelt.cli.Smelt;
import dev.smelt.core.model.ModelDirectory;
import dev.smelt.core.model.Qwen35Config;
import dev.smelt.testkit.cli.CliRunner.Result;
import dev.smelt.testkit.cli.CliRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CreateTinyCommandTest {
    @TempDir
    Path tmp;

    private static final CliRunner SMELT = new CliRunner(Smelt::run);

    @Test
    void writesAQwen35DirectoryWithTheRequestedShape() {
        Path dir = tmp.resolve("q35");
        Result r = SMELT.run("create-tiny", "--arch", "qwen3_5", "--out", dir.toString(), "--seed", "5", "--hidden", "32",
                "--layers", "2", "--vocab", "400", "--linear-v-heads", "4", "--no-tie", "--dtype", "bf16");
        assertThat(r.err()).isEmpty();
        assertThat(r.code()).isZero();
        assertThat(r.out()).startsWith("wrote " + dir + ": qwen3_5, ").contains("seed 5");
        Qwen35Config c = (Qwen35Config) ModelDirectory.open(dir).config();
        assertThat(c.hiddenSize()).isEqualTo(32);
        assertThat(c.numLayers()).isEqualTo(2);
        assertThat(c.vocabSize()).isEqualTo(400);
        assertThat(c.linearNumValueHeads()).isEqualTo(4);
        assertThat(c.tieWordEmbeddings()).isFalse();
        assertThat(dir.resolve("tokenizer.json")).exists();
    }

    @Test
    void visionAddsTheTowerToQwen35Only() {
        Path dir = tmp.resolve("q35v");
        Result r = SMELT.run("-q", "create-tiny", "--arch", "qwen3_5", "--vision", "--out", dir.toString());
        assertThat(r.err()).isEmpty();
        assertThat(r.code()).isZero();
        Qwen35Config c = (Qwen35Config) ModelDirectory.open(dir).config();
        assertThat(c.hasVision()).isTrue();
        assertThat(dir.resolve("preprocessor_config.json")).exists();
        Result dense = SMELT.run("create-tiny", "--arch", "qwen3", "--vision", "--out", tmp.resolve("y").toString());
        assertThat(dense.code()).isEqualTo(1);
        assertThat(dense.err()).isEqualTo("smelt: error: a vision tower (--vision) exists only for qwen3_5, not qwen3\n");
    }

    @Test
    void refusesToOverwriteANonEmptyDirectoryWithoutForce() throws Exception {
        Path dir = tmp.resolve("m");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("keep.txt"), "x");
        Result r = SMELT.run("create-tiny", "--arch", "llama", "--out", dir.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("smelt: error: " + dir + ": directory exists and is not empty (use --force to replace it)\n");
        assertThat(dir.resolve("keep.txt")).exists();
        assertThat(SMELT.run("-q", "create-tiny", "--arch", "llama", "--out", dir.toString(), "--force", "--max-shard-size", "100KB").code())
                .isZero();
        assertThat(dir.resolve("keep.txt")).doesNotExist();
        assertThat(dir.resolve("model.safetensors.index.json")).exists();
    }

    @Test
    void badOptionsAreUsageOrOneLineErrors() {
        Result arch = SMELT.run("create-tiny", "--arch", "gpt2", "--out", tmp.resolve("x").toString());
        assertThat(arch.code()).isEqualTo(2);
        assertThat(arch.err()).contains("Invalid value for option '--arch'").contains("unsupported architecture gpt2");
        Result dtype = SMELT.run("create-tiny", "--arch", "qwen3", "--out", tmp.resolve("x").toString(), "--dtype", "q4");
        assertThat(dtype.code()).isEqualTo(2);
        Result shape = SMELT.run("create-tiny", "--arch", "qwen3", "--out", tmp.resolve("x").toString(), "--heads", "4", "--kv-heads", "3");
        assertThat(shape.code()).isEqualTo(1);
        assertThat(shape.err()).isEqualTo(
                "smelt: error: num_attention_heads (--heads) 4 must be a multiple of num_key_value_heads (--kv-heads) 3\n");
        assertThat(tmp.resolve("x")).doesNotExist();
    }
}
