package dev.smelt.datasets.prepare;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smelt.datasets.TestModels;
import dev.smelt.datasets.format.FieldMap;
import dev.smelt.datasets.format.FormatName;
import dev.smelt.datasets.format.InvalidRowException;
import dev.smelt.datasets.length.TrainingSequence;
import dev.smelt.datasets.length.Truncation;
import dev.smelt.datasets.tokenize.TokenizedExample;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataPreparerTest {
    @TempDir
    static Path models;

    static Path chatMl;
    static Path qwen35;

    @TempDir
    Path dir;

    @BeforeAll
    static void createModels() {
        chatMl = TestModels.modelDir(models, "qwen2_5");
        qwen35 = TestModels.modelDir(models, "qwen3_5");
    }

    private static String chatRow(int i) {
        return "{\"messages\":[{\"role\":\"user\",\"content\":\"question " + i + "\"},"
                + "{\"role\":\"assistant\",\"content\":\"answer number " + i + " is " + "x".repeat(i % 7) + "\"}]}";
    }

    private Path jsonl(String name, List<String> lines) throws IOException {
        Path f = dir.resolve(name);
        Files.write(f, lines);
        return f;
    }

    private Path chats(int n) throws IOException {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < n; i++) lines.add(chatRow(i));
        return jsonl("chats.jsonl", lines);
    }

    private static List<List<Integer>> contents(SequenceSet set) {
        List<List<Integer>> out = new ArrayList<>();
        for (int i = 0; i < set.size(); i++) {
            List<Integer> ids = new ArrayList<>();
            for (int id : set.get(i).inputIds()) ids.add(id);
            out.add(ids);
        }
        return out;
    }

    @Test
    void splitAndShuffleAreIdenticalAcrossRunsAndThreadCounts() throws IOException {
        Path data = chats(60);
        DataOptions opts = DataOptions.builder().valSplit(0.1).seed(3).threads(1).build();
        try (PreparedData a = DataPreparer.builder().data(data.toString()).model(chatMl).options(opts).build();
             PreparedData b = DataPreparer.builder().data(data.toString()).model(chatMl)
                     .options(opts.toBuilder().threads(3).build()).build();
             PreparedData c = DataPreparer.builder().data(data.toString()).model(chatMl)
                     .options(opts.toBuilder().seed(4).build()).build()) {
            assertThat(a.train().size()).isEqualTo(54);
            assertThat(a.validation().size()).isEqualTo(6);
            assertThat(contents(a.train())).isEqualTo(contents(b.train()));
            assertThat(contents(a.validation())).isEqualTo(contents(b.validation()));
            assertThat(contents(a.validation())).isNotEqualTo(contents(c.validation()));
            assertThat(a.trainReport().format()).isEqualTo(FormatName.MESSAGES);
            assertThat(a.trainReport().rows()).isEqualTo(60);
            assertThat(a.trainReport().kept()).isEqualTo(60);
        }
    }

    @Test
    void invalidRowIsAnErrorNamingFileAndLine() throws IOException {
        Path data = jsonl("data.jsonl", List.of(chatRow(0), chatRow(1), "{\"messages\": [", chatRow(3)));
        assertThatThrownBy(() -> DataPreparer.builder().data(data.toString()).model(chatMl).build())
                .isInstanceOf(InvalidRowException.class)
                .hasMessageStartingWith(data + ":3: invalid JSON");
    }

    @Test
    void skipInvalidCountsAndReportsEveryKindOfBadRow() throws IOException {
        Path data = jsonl("data.jsonl", List.of(
                chatRow(0),
                "not json",
                "{\"messages\":[{\"role\":\"user\",\"content\":\"q\"},{\"role\":\"bot\",\"content\":\"a\"}]}",
                "{\"messages\":[{\"role\":\"user\",\"content\":\"q\"},{\"role\":\"assistant\",\"content\":\"\"}]}",
                "{\"dialog\":[]}",
                chatRow(5)));
        DataOptions opts = DataOptions.builder().skipInvalid(true).build();
        try (PreparedData d = DataPreparer.builder().data(data.toString()).model(chatMl).options(opts).build()) {
            PreparationReport r = d.trainReport();
            assertThat(r.rows()).isEqualTo(6);
            assertThat(r.invalidRows()).isEqualTo(4);
            assertThat(r.kept()).isEqualTo(2);
            assertThat(r.firstInvalid()).satisfiesExactly(
                    m -> assertThat(m).startsWith(data + ":2: invalid JSON"),
                    m -> assertThat(m).startsWith(data + ":3: unknown role \"bot\""),
                    m -> assertThat(m).isEqualTo(data + ":4: empty assistant turn in \"messages\"[1]"),
                    m -> assertThat(m).isEqualTo(data + ":5: missing \"messages\""));
        }
    }

    @Test
    void templateRejectionIsABadRowWithItsLocation() throws IOException {
        Path data = jsonl("data.jsonl", List.of(
                "{\"messages\":[{\"role\":\"user\",\"content\":\"q\"},{\"role\":\"system\",\"content\":\"late\"},"
                        + "{\"role\":\"assistant\",\"content\":\"a\"}]}"));
        assertThatThrownBy(() -> DataPreparer.builder().data(data.toString()).model(qwen35).build())
                .isInstanceOf(InvalidRowException.class)
                .hasMessage(data + ":1: chat template rejected the conversation: System message must be at the beginning.");
    }

    @Test
    void truncationIsCountedAndReported() throws IOException {
        Path data = jsonl("data.jsonl", List.of(chatRow(1),
                "{\"messages\":[{\"role\":\"user\",\"content\":\"q\"},{\"role\":\"assistant\",\"content\":\""
                        + "word ".repeat(200) + "\"}]}"));
        DataOptions drop = DataOptions.builder().seqLen(160).truncation(Truncation.DROP).build();
        try (PreparedData d = DataPreparer.builder().data(data.toString()).model(chatMl).options(drop).build()) {
            assertThat(d.trainReport().overSeqLen()).isEqualTo(1);
            assertThat(d.trainReport().droppedTooLong()).isEqualTo(1);
            assertThat(d.train().size()).isEqualTo(1);
        }
        DataOptions right = drop.toBuilder().truncation(Truncation.RIGHT).build();
        try (PreparedData d = DataPreparer.builder().data(data.toString()).model(chatMl).options(right).build()) {
            assertThat(d.trainReport().truncated()).isEqualTo(1);
            assertThat(d.trainReport().droppedTooLong()).isZero();
            assertThat(d.train().size()).isEqualTo(2);
            for (int i = 0; i < 2; i++) assertThat(d.train().get(i).length()).isLessThanOrEqualTo(160);
            assertThat(d.trainReport().lengths().max()).isGreaterThan(160); // statistics are before truncation
        }
    }

    @Test
    void packingFillsRowsWithResetPositionsAndKeepsEveryToken() throws IOException {
        Path data = chats(40);
        DataOptions plain = DataOptions.builder().seqLen(512).seed(9).build();
        try (PreparedData unpacked = DataPreparer.builder().data(data.toString()).model(chatMl).options(plain).build();
             PreparedData packed = DataPreparer.builder().data(data.toString()).model(chatMl)
                     .options(plain.toBuilder().packing(true).build()).build()) {
            assertThat(packed.train().size()).isLessThan(unpacked.train().size());
            assertThat(packed.train().tokens()).isEqualTo(unpacked.train().tokens());
            List<Integer> flatPacked = new ArrayList<>();
            List<Integer> flatSingle = new ArrayList<>();
            contents(packed.train()).forEach(flatPacked::addAll);
            contents(unpacked.train()).forEach(flatSingle::addAll);
            assertThat(flatPacked).isEqualTo(flatSingle); // same examples, same order
            TrainingSequence row = packed.train().get(0);
            assertThat(row.length()).isLessThanOrEqualTo(512);
            assertThat(row.segments()).isGreaterThan(1);
            int[] b = row.boundaries();
            for (int k = 0; k < row.segments(); k++) {
                assertThat(row.positionIds()[b[k]]).isZero();
                assertThat(row.labels()[b[k]]).isEqualTo(TokenizedExample.IGNORE);
                assertThat(row.positionIds()[b[k + 1] - 1]).isEqualTo(b[k + 1] - b[k] - 1);
            }
        }
    }

    @Test
    void separateValidationData() throws IOException {
        Path train = chats(10);
        Path val = jsonl("val.jsonl", List.of(chatRow(100), chatRow(101)));
        try (PreparedData d = DataPreparer.builder().data(train.toString()).valData(List.of(val.toString())).model(chatMl).build()) {
            assertThat(d.train().size()).isEqualTo(10);
            assertThat(d.validation().size()).isEqualTo(2);
            assertThat(d.validationReport().rows()).isEqualTo(2);
        }
        assertThatThrownBy(() -> DataPreparer.builder().data(train.toString()).valData(List.of(val.toString())).model(chatMl)
                .options(DataOptions.builder().valSplit(0.1).build()).build()).hasMessageContaining("exclude each other");
    }

    @Test
    void csvAndParquetSourcesEndToEnd() throws Exception {
        Path csv = dir.resolve("pairs.csv");
        Files.writeString(csv, "question,answer\n\"What, exactly?\",This.\nWhy?,Because.\n");
        DataOptions opts = DataOptions.builder().fields(FieldMap.parse(List.of("prompt=question", "completion=answer"))).build();
        try (PreparedData d = DataPreparer.builder().data(csv.toString()).model(chatMl).options(opts).build()) {
            assertThat(d.trainReport().format()).isEqualTo(FormatName.PROMPT_COMPLETION);
            assertThat(d.train().size()).isEqualTo(2);
        }
        Path parquet = dir.resolve("alpaca.parquet");
        TestModels.writeParquet(parquet,
                "SELECT * FROM (VALUES ('Say hi', '', 'hi'), ('Add', '1 and 2', '3')) v(instruction, input, output)");
        try (PreparedData d = DataPreparer.builder().data(parquet.toString()).model(chatMl).build()) {
            assertThat(d.trainReport().format()).isEqualTo(FormatName.ALPACA);
            assertThat(d.trainReport().kept()).isEqualTo(2);
        }
    }

    @Test
    void chatDataNeedsAChatTemplate() throws IOException {
        Path base = TestModels.modelDir(dir, null);
        Path data = chats(2);
        assertThatThrownBy(() -> DataPreparer.builder().data(data.toString()).model(base).build())
                .hasMessageContaining("no chat template").hasMessageContaining("--format text");
        Path text = jsonl("text.jsonl", List.of("{\"text\":\"some words\"}"));
        try (PreparedData d = DataPreparer.builder().data(text.toString()).model(base).build()) {
            assertThat(d.trainReport().format()).isEqualTo(FormatName.TEXT);
        }
    }

    @Test
    void longTextDocumentsAreJoinedAndCutIntoSeqLenWindowsByDefault() throws IOException {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 400; i++) lines.add("{\"text\":\"document " + i + " " + "some longer words ".repeat(20) + "\"}");
        Path data = jsonl("docs.jsonl", lines);
        int seqLen = 64;
        DataOptions opts = DataOptions.builder().seqLen(seqLen).seed(5).build();
        try (PreparedData d = DataPreparer.builder().data(data.toString()).model(chatMl).options(opts).build()) {
            PreparationReport r = d.trainReport();
            assertThat(r.format()).isEqualTo(FormatName.TEXT);
            assertThat(r.truncation()).isEqualTo(Truncation.CHUNK);
            assertThat(r.overSeqLen()).isEqualTo(400);
            assertThat(r.droppedTooLong()).isZero();
            long total = r.lengths().total();
            assertThat(r.windows()).isEqualTo((total + seqLen - 1) / seqLen); // the short remainder is kept
            assertThat(r.kept()).isEqualTo(r.windows());
            assertThat(d.train().size()).isEqualTo(r.windows());
            int eos = TestModels.tokenizer().imEndId();
            long tokens = 0;
            long eosCount = 0;
            int full = 0;
            for (int i = 0; i < d.train().size(); i++) {
                TrainingSequence s = d.train().get(i);
                tokens += s.length();
                if (s.length() == seqLen) full++;
                assertThat(s.labels()[0]).isEqualTo(TokenizedExample.IGNORE);
                for (int t = 1; t < s.length(); t++) assertThat(s.labels()[t]).isEqualTo(s.inputIds()[t]); // loss on every token
                for (int id : s.inputIds()) if (id == eos) eosCount++;
            }
            assertThat(tokens).isEqualTo(total);
            assertThat(full).isEqualTo(d.train().size() - 1);
            assertThat(eosCount).isEqualTo(400); // every document ends in EOS
            assertThat(r.trainedTokens()).isEqualTo(total - r.windows());
        }
        // drop stays available for text when asked for, and chunking is refused for chat rows
        DataOptions drop = opts.toBuilder().truncation(Truncation.DROP).build();
        assertThatThrownBy(() -> DataPreparer.builder().data(data.toString()).model(chatMl).options(drop).build())
                .hasMessageContaining("no training examples left").hasMessageContaining("400 longer than seq-len");
        Path chat = chats(3);
        DataOptions chunkChat = opts.toBuilder().truncation(Truncation.CHUNK).build();
        assertThatThrownBy(() -> DataPreparer.builder().data(chat.toString()).model(chatMl).options(chunkChat).build())
                .hasMessage("--truncation chunk joins raw text documents and applies to --format text only, not messages data;"
                        + " use drop or right");
    }
}
