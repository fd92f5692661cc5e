package dev.smelt.spark.prepare;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smelt.core.SmeltException;
import dev.smelt.core.chat.BuiltinChatTemplates;
import dev.smelt.core.tiny.TinyTokenizer;
import dev.smelt.datasets.bench.SyntheticChats;
import dev.smelt.datasets.prepare.DataOptions;
import dev.smelt.datasets.prepare.DataPreparer;
import dev.smelt.datasets.prepare.PreparedData;
import dev.smelt.datasets.shards.ModelIdentity;
import dev.smelt.datasets.shards.PreparedManifest;
import dev.smelt.datasets.shards.PreparedShards;
import dev.smelt.datasets.shards.ShardWriter;
import dev.smelt.datasets.source.HubClientFetcher;
import dev.smelt.hub.HubClient;
import dev.smelt.hub.HubSettings;
import dev.smelt.testkit.hub.FakeHub;
import dev.smelt.testkit.hub.RepoKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Spark job in local[2] (in this JVM, without --add-opens) against the datasets module's local preparation, the
 * code smelt data prepare runs: the same shards and manifest byte for byte, from input split into several partitions.
 */
class SparkPrepareTest {
    @TempDir
    static Path dir;

    static Path model;
    static Path data;
    static SparkSession spark;

    @BeforeAll
    static void modelDataAndSpark() throws IOException {
        model = Files.createDirectories(dir.resolve("model"));
        TinyTokenizer.train(600).writeTo(model, BuiltinChatTemplates.QWEN2_5.source(), 32768);
        data = dir.resolve("chats.jsonl");
        SyntheticChats.write(data, 1000, 7);
        spark = SparkSession.builder().master("local[2]").appName("SparkPrepareTest")
                .config("spark.driver.bindAddress", "127.0.0.1").config("spark.driver.host", "127.0.0.1")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2").getOrCreate();
    }

    @AfterAll
    static void stop() {
        if (spark != null) spark.stop();
    }

    private static DataOptions options(boolean skipInvalid) {
        return DataOptions.builder().seqLen(512).packing(true).valSplit(0.05).seed(7).skipInvalid(skipInvalid).build();
    }

    /** What smelt data prepare does (DataPrepareCommand: DataPreparer, then ShardWriter), in this JVM. */
    private static void prepareLocally(Path out, List<String> specs, DataOptions options) throws IOException {
        try (PreparedData prepared = DataPreparer.builder().data(specs).model(model).options(options).build()) {
            new ShardWriter().write(out, prepared, ModelIdentity.of(model), options, specs, List.of(), null);
        }
    }

    private static PreparedManifest prepareOnSpark(Path out, List<String> specs, DataOptions options, String splitBytes)
            throws IOException {
        spark.conf().set(SparkExampleSource.MAX_PARTITION_BYTES, splitBytes);
        return SparkPrepare.run(spark, new SparkPrepare.Request(specs, List.of(), model, options, out, null), null, null);
    }

    private static Map<String, byte[]> files(Path d) throws IOException {
        Map<String, byte[]> m = new TreeMap<>();
        try (Stream<Path> s = Files.list(d)) {
            for (Path p : s.toList()) m.put(p.getFileName().toString(), Files.readAllBytes(p));
        }
        return m;
    }

    private static void assertSameFiles(Path actual, Path expected) throws IOException {
        Map<String, byte[]> a = files(actual);
        Map<String, byte[]> e = files(expected);
        assertThat(a.keySet()).isEqualTo(e.keySet()).contains("manifest.json", "train-00000.parquet", "validation-00000.parquet");
        for (String name : e.keySet()) assertThat(a.get(name)).as(name).isEqualTo(e.get(name));
    }

    @Test
    void sparkWritesTheShardsSmeltDataPrepareWritesAndTwoRunsAreIdentical() throws IOException {
        List<String> specs = List.of(data.toString());
        Path local = dir.resolve("local");
        prepareLocally(local, specs, options(false));

        long size = Files.size(data);
        String split = Long.toString(size / 5 + 1); // 5 partitions, cut mid-line
        Path first = dir.resolve("spark-1");
        PreparedManifest m = prepareOnSpark(first, specs, options(false), split);
        assertThat(m.trainReport().rows()).isEqualTo(1000);
        assertSameFiles(first, local);

        Path second = dir.resolve("spark-2");
        prepareOnSpark(second, specs, options(false), "64k");
        assertSameFiles(second, first);
        assertThat(files(second).get("manifest.json")).isEqualTo(files(first).get("manifest.json"));

        // and smelt train --data opens them (the manifest matches the model)
        try (PreparedData back = PreparedShards.open(first, model, dir, null)) {
            assertThat(back.train().size()).isEqualTo(m.trainRows());
        }
    }

    @Test
    void invalidRowsAreNumberedByTheirLineInTheWholeFileAcrossSplits() throws IOException {
        List<String> lines = new ArrayList<>(Files.readAllLines(data).subList(0, 300));
        lines.set(10, "{\"messages\": [");                          // invalid JSON
        lines.set(150, "");                                          // blank lines count as lines
        lines.set(151, "   ");
        lines.set(201, "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}"); // no assistant turn
        lines.set(277, "[1, 2]");
        Path bad = Files.write(dir.resolve("bad.jsonl"), lines);
        Path bad2 = Files.write(dir.resolve("bad2.jsonl"), Files.readAllLines(data).subList(300, 420));
        List<String> specs = List.of(bad.toString(), bad2.toString());

        Path local = dir.resolve("local-bad");
        prepareLocally(local, specs, options(true));
        Path onSpark = dir.resolve("spark-bad");
        PreparedManifest m = prepareOnSpark(onSpark, specs, options(true), Long.toString(Files.size(bad) / 7));
        assertThat(m.trainReport().invalidRows()).isEqualTo(3);
        assertThat(m.trainReport().firstInvalid()).anyMatch(s -> s.startsWith(bad + ":202: ")).anyMatch(s -> s.startsWith(bad + ":278: "));
        assertSameFiles(onSpark, local);

        // without --skip-invalid the first bad row in source order fails the run, with the message smelt data prepare gives
        String expected = null;
        try {
            prepareLocally(dir.resolve("local-fail"), specs, options(false));
        } catch (SmeltException e) {
            expected = e.getMessage();
        }
        assertThat(expected).startsWith(bad + ":11: invalid JSON");
        assertThatThrownBy(() -> prepareOnSpark(dir.resolve("spark-fail"), specs, options(false), "8k"))
                .isInstanceOf(SmeltException.class).hasMessage(expected);
    }

    @Test
    void hubDataShippedToExecutorsGivesTheSameShards() throws IOException {
        try (FakeHub hub = FakeHub.start(dir.resolve("server"))) {
            hub.repo(RepoKind.DATASET, "acme/chats").commitBytes("main",
                    Map.of("data/train.jsonl", Files.readAllBytes(data)), dir.resolve("hub-src"));
            HubSettings settings = new HubSettings(hub.endpoint(), dir.resolve("hf-home"), dir.resolve("hf-home/hub"), false,
                    Optional.empty(), Duration.ofSeconds(10), Duration.ofSeconds(10));
            HubClientFetcher fetcher = new HubClientFetcher(HubClient.builder().settings(settings).build());
            List<String> specs = List.of("hf://datasets/acme/chats/data/train.jsonl");

            Path local = dir.resolve("local-hub");
            try (PreparedData prepared = DataPreparer.builder().data(specs).model(model).options(options(false)).hub(fetcher).build()) {
                new ShardWriter().write(local, prepared, ModelIdentity.of(model), options(false), specs, List.of(), null);
            }
            spark.conf().set(SparkExampleSource.SHIP_FILES, "true"); // as on a cluster: model and data files via addFile
            try {
                spark.conf().set(SparkExampleSource.MAX_PARTITION_BYTES, "100k");
                Path onSpark = dir.resolve("spark-hub");
                SparkPrepare.run(spark, new SparkPrepare.Request(specs, List.of(), model, options(false), onSpark, fetcher), null, null);
                assertSameFiles(onSpark, local);
            } finally {
                spark.conf().unset(SparkExampleSource.SHIP_FILES);
            }
        }
    }

    @Test
    void hadoopUrisReadTheSameRowsAndLongRowsAreNotCutByTheTokenizer() throws IOException {
        Path folder = Files.createDirectories(dir.resolve("hadoop-data"));
        List<String> lines = Files.readAllLines(data);
        // DJL's tokenizer truncates at 512 tokens unless told not to (scale-out.md): one row of several thousand
        String long1 = "{\"messages\": [{\"role\": \"user\", \"content\": \"" + "spell the words out ".repeat(400)
                + "\"}, {\"role\": \"assistant\", \"content\": \"" + "one two three ".repeat(300) + "\"}]}";
        List<String> first = new ArrayList<>(lines.subList(0, 400));
        first.add(long1);
        Files.write(folder.resolve("part-0.jsonl"), first);
        try (var gz = new java.util.zip.GZIPOutputStream(Files.newOutputStream(folder.resolve("part-1.jsonl.gz")))) {
            gz.write((String.join("\n", lines.subList(400, 700)) + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        Files.write(folder.resolve(".hidden.jsonl"), List.of("not data"));
        DataOptions options = DataOptions.builder().seqLen(8192).packing(true).valSplit(0.05).seed(7).build();

        Path local = dir.resolve("local-folder");
        prepareLocally(local, List.of(folder.toString()), options);
        Path onSpark = dir.resolve("spark-hadoop");
        PreparedManifest m = prepareOnSpark(onSpark, List.of(folder.toUri().toString()), options, "20k"); // file:/… via Hadoop
        assertThat(m.trainReport().rows()).isEqualTo(701);
        assertThat(m.trainReport().lengths().max()).isGreaterThan(2000);
        assertThat(m.trainReport().files()).containsExactly(folder.toUri() + "part-0.jsonl", folder.toUri() + "part-1.jsonl.gz");
        // the names differ (file:/… as given), the rows do not
        Map<String, byte[]> a = files(onSpark);
        Map<String, byte[]> e = files(local);
        assertThat(a.keySet()).isEqualTo(e.keySet());
        for (String name : e.keySet()) {
            if (name.endsWith(".parquet")) assertThat(a.get(name)).as(name).isEqualTo(e.get(name));
        }
    }
}
