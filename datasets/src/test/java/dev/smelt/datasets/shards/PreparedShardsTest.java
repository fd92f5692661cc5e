package dev.smelt.datasets.shards;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smelt.core.SmeltException;
import dev.smelt.core.tiny.TinyTokenizer;
import dev.smelt.datasets.TestModels;
import dev.smelt.datasets.length.TrainingSequence;
import dev.smelt.datasets.prepare.DataOptions;
import dev.smelt.datasets.prepare.DataPreparer;
import dev.smelt.datasets.prepare.PreparedData;
import dev.smelt.datasets.prepare.SequenceSet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Prepare once into shards, open for training: the same rows, the same bytes every time, another model refused. */
class PreparedShardsTest {
    @TempDir
    static Path models;

    static Path qwen3;

    @TempDir
    Path dir;

    @BeforeAll
    static void createModels() {
        qwen3 = TestModels.modelDir(models, "qwen3");
    }

    private Path chats(int n) throws IOException {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            lines.add("{\"messages\":[{\"role\":\"user\",\"content\":\"question " + i + "\"},"
                    + "{\"role\":\"assistant\",\"content\":\"answer " + i + " " + "yz".repeat(i % 13) + "\"}]}");
        }
        Path f = dir.resolve("chats.jsonl");
        Files.write(f, lines);
        return f;
    }

    private static final DataOptions OPTIONS = DataOptions.builder().seqLen(256).packing(true).valSplit(0.1).seed(5).threads(2).build();

    private PreparedManifest prepare(Path data, Path model, Path out, ShardWriter writer) throws IOException {
        try (PreparedData prepared = DataPreparer.builder().data(data.toString()).model(model).options(OPTIONS).build()) {
            return writer.write(out, prepared, ModelIdentity.of(model), OPTIONS, List.of(data.toString()), List.of(), null);
        }
    }

    private static List<String> rows(SequenceSet set) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < set.size(); i++) {
            TrainingSequence s = set.get(i);
            out.add(Arrays.toString(s.inputIds()) + Arrays.toString(s.labels())
                    + Arrays.toString(s.positionIds()) + Arrays.toString(s.segmentIds()));
        }
        return out;
    }

    private static TreeMap<String, byte[]> files(Path d) throws IOException {
        TreeMap<String, byte[]> m = new TreeMap<>();
        try (Stream<Path> s = Files.list(d)) {
            for (Path p : s.toList()) m.put(p.getFileName().toString(), Files.readAllBytes(p));
        }
        return m;
    }

    @Test
    void shardsHoldExactlyTheRowsTheTrainerWouldGetFromRawData() throws IOException {
        Path data = chats(400);
        Path out = dir.resolve("prepared");
        PreparedManifest m = prepare(data, qwen3, out, new ShardWriter(500, 2_000));
        assertThat(m.train().size()).as("train shards").isGreaterThan(2);
        assertThat(m.validation()).isNotEmpty();
        assertThat(PreparedManifest.isPrepared(out)).isTrue();
        try (PreparedData raw = DataPreparer.builder().data(data.toString()).model(qwen3).options(OPTIONS).build();
             PreparedData shards = PreparedShards.open(out, qwen3, null, null)) {
            assertThat(rows(shards.train())).isEqualTo(rows(raw.train()));
            assertThat(rows(shards.validation())).isEqualTo(rows(raw.validation()));
            assertThat(shards.train().tokens()).isEqualTo(raw.train().tokens());
            assertThat(shards.padTokenId()).isEqualTo(raw.padTokenId());
            assertThat(shards.chatTemplateKwargs()).isEqualTo(raw.chatTemplateKwargs());
            assertThat(shards.chatTemplateKwargs().values()).containsEntry("enable_thinking", false);
            assertThat(shards.trainReport()).isEqualTo(raw.trainReport());
            assertThat(shards.options().seqLen()).isEqualTo(256);
            assertThat(shards.options().packing()).isTrue();
            assertThat(m.trainRows()).isEqualTo(raw.train().size());
        }
    }

    @Test
    void preparingTwiceGivesTheSameBytes() throws IOException {
        Path data = chats(150);
        prepare(data, qwen3, dir.resolve("a"), new ShardWriter(300, 1_000));
        prepare(data, qwen3, dir.resolve("b"), new ShardWriter(300, 1_000));
        TreeMap<String, byte[]> a = files(dir.resolve("a"));
        TreeMap<String, byte[]> b = files(dir.resolve("b"));
        assertThat(a.keySet()).isEqualTo(b.keySet()).contains("manifest.json", "train-00000.parquet", "validation-00000.parquet");
        for (String name : a.keySet()) assertThat(b.get(name)).as(name).isEqualTo(a.get(name));
    }

    @Test
    void anotherTokenizerOrTemplateIsRefusedInOneLine() throws IOException {
        Path data = chats(40);
        Path out = dir.resolve("prepared");
        prepare(data, qwen3, out, new ShardWriter());
        Path otherTokenizer = Files.createDirectories(dir.resolve("other-tokenizer"));
        TinyTokenizer.train(900).writeTo(otherTokenizer, TestModels.template("qwen3"), 32768);
        assertThatThrownBy(() -> PreparedShards.open(out, otherTokenizer, null, null))
                .isInstanceOf(SmeltException.class)
                .hasMessageContaining("manifest.json: prepared with another tokenizer (tokenizer.json sha256")
                .hasMessageNotContaining("\n");
        Path otherTemplate = TestModels.modelDir(dir, "qwen2_5");
        assertThatThrownBy(() -> PreparedShards.open(out, otherTemplate, null, null))
                .isInstanceOf(SmeltException.class)
                .hasMessageContaining("prepared with another chat template")
                .hasMessageNotContaining("\n");
    }

    @Test
    void aChangedShardIsRefused() throws IOException {
        Path data = chats(40);
        Path out = dir.resolve("prepared");
        prepare(data, qwen3, out, new ShardWriter());
        Path shard = out.resolve("train-00000.parquet");
        byte[] b = Files.readAllBytes(shard);
        b[8] ^= 1;
        Files.write(shard, b);
        assertThatThrownBy(() -> PreparedShards.open(out, qwen3, null, null))
                .isInstanceOf(SmeltException.class)
                .hasMessageContaining("train-00000.parquet: sha256")
                .hasMessageContaining("differs from the manifest");
    }
}
