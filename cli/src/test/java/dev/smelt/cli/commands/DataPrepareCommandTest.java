package dev.smelt.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smelt.cli.Smelt;
import dev.smelt.core.tiny.TinyTokenizer;
import dev.smelt.testkit.cli.CliRunner;
import dev.smelt.testkit.cli.CliRunner.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * smelt data prepare, then smelt train on the shards: the same adapter, bit for bit, as smelt train on the raw data
 * with the same settings; shards made with another tokenizer are refused in one line.
 */
class DataPrepareCommandTest {
    @TempDir
    static Path dir;

    static Path model;
    static Path data;

    private static final CliRunner SMELT = new CliRunner(Smelt::run);

    @BeforeAll
    static void modelAndData() throws Exception {
        model = dir.resolve("model");
        Result c = SMELT.run("create-tiny", "--arch", "qwen3", "--out", model.toString());
        assertThat(c.code()).as(c.err()).isZero();
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 48; i++) {
            lines.add("{\"messages\": [{\"role\": \"user\", \"content\": \"What is " + i + " plus one?\"}, {\"role\": \"assistant\","
                    + " \"content\": \"It is " + (i + 1) + "." + " Indeed".repeat(i % 5) + "\"}]}");
        }
        data = Files.write(dir.resolve("qa.jsonl"), lines);
    }

    private static final List<String> TRAINING = List.of("--max-steps", "6", "--batch-size", "4", "--lr", "1e-3",
            "--lora-r", "4", "--lora-dropout", "0.1", "--seed", "7", "--eval-every", "3", "--threads", "1");

    private static Result train(Path out, String... dataFlags) {
        List<String> args = new ArrayList<>(List.of("--quiet", "train", "--model", model.toString(), "--out", out.toString()));
        args.addAll(List.of(dataFlags));
        args.addAll(TRAINING);
        return SMELT.run(args.toArray(String[]::new));
    }

    @Test
    void trainingOnPreparedShardsGivesTheAdapterRawDataGives() throws Exception {
        Path prepared = dir.resolve("prepared");
        Result p = SMELT.run("data", "prepare", "--data", data.toString(), "--model", model.toString(), "--out", prepared.toString(),
                "--seq-len", "96", "--val-split", "0.125", "--seed", "7", "-q");
        assertThat(p.code()).as(p.err()).isZero();
        assertThat(p.out()).contains("rows:       48 read, format messages, 48 examples kept")
                .containsPattern("train:      \\d+ rows \\(packed\\)").containsPattern("validation: \\d+ rows");
        assertThat(prepared.resolve("manifest.json")).exists();
        assertThat(prepared.resolve("train-00000.parquet")).exists();
        assertThat(prepared.resolve("validation-00000.parquet")).exists();

        Path fromRaw = dir.resolve("adapter-raw");
        Result raw = train(fromRaw, "--data", data.toString(), "--seq-len", "96", "--val-split", "0.125");
        assertThat(raw.code()).as(raw.err()).isZero();
        Path fromShards = dir.resolve("adapter-shards");
        Result shards = train(fromShards, "--data", prepared.toString());
        assertThat(shards.code()).as(shards.err()).isZero();

        for (String file : List.of("adapter_model.safetensors", "adapter_config.json", "chat_template_kwargs.json")) {
            assertThat(Files.readAllBytes(fromShards.resolve(file))).as(file).isEqualTo(Files.readAllBytes(fromRaw.resolve(file)));
        }
        assertThat(Files.readString(fromShards.resolve("chat_template_kwargs.json"))).contains("\"enable_thinking\" : false");
        assertThat(lossesOf(fromShards)).isEqualTo(lossesOf(fromRaw)).isNotEmpty();
    }

    private static List<String> lossesOf(Path adapter) throws Exception {
        try (Stream<String> lines = Files.lines(adapter.resolve("metrics.jsonl"))) {
            return lines.map(l -> l.replaceAll(",\"tokens_per_s\":[0-9.eE+-]+", "")).toList(); // the one timing field
        }
    }

    @Test
    void shardsOfAnotherTokenizerOrDataFlagsAreRefusedInOneLine() throws Exception {
        Path prepared = dir.resolve("prepared-refuse");
        Result p = SMELT.run("data", "prepare", "--data", data.toString(), "--model", model.toString(), "--out", prepared.toString(),
                "--seq-len", "96", "-q");
        assertThat(p.code()).as(p.err()).isZero();

        Path other = Files.createDirectories(dir.resolve("other-tokenizer"));
        try (Stream<Path> files = Files.list(model)) {
            for (Path f : files.toList()) Files.copy(f, other.resolve(f.getFileName()));
        }
        Files.delete(other.resolve("tokenizer.json"));
        TinyTokenizer.train(700).writeTo(dir.resolve("tok"), null, 4096);
        Files.copy(dir.resolve("tok").resolve("tokenizer.json"), other.resolve("tokenizer.json"));
        Result r = SMELT.run("--quiet", "train", "--model", other.toString(), "--out", dir.resolve("adapter-o").toString(), "--data",
                prepared.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).startsWith("smelt: error: " + prepared.resolve("manifest.json")
                + ": prepared with another tokenizer (tokenizer.json sha256 ").hasLineCount(1);

        r = train(dir.resolve("adapter-split"), "--data", prepared.toString(), "--val-split", "0.2");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).startsWith("smelt: error: --val-split: " + prepared + " holds prepared data").hasLineCount(1);
        r = train(dir.resolve("adapter-len"), "--data", prepared.toString(), "--seq-len", "64");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("smelt: error: --seq-len 64: " + prepared + " was prepared with seq-len 96; prepare it"
                + " again to change it\n");
    }

    @Test
    void benchPreparePrintsThroughputBesideTheTokenizerAndTheReadBack() {
        Result r = SMELT.run("bench", "prepare", "--rows", "400", "--vocab", "600", "--seq-len", "256", "--data-threads", "2",
                "--dir", dir.resolve("bench").toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("data: 400 synthetic chat rows")
                .containsPattern("DJL tokenizer alone, 1 thread: +[\\d,]+ tokens/s")
                .containsPattern("smelt data prepare: +[\\d,]+ tokens/s +[\\d,]+ rows/s")
                .containsPattern("ratio prepare / single-thread tokenizer: \\d+\\.\\d\\d")
                .containsPattern("reading the shards back \\(smelt train --data DIR\\): [\\d,]+ packed rows/s");
    }
}
