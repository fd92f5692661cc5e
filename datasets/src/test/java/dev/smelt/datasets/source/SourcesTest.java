package dev.smelt.datasets.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smelt.core.SmeltException;
import dev.smelt.datasets.TestModels;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SourcesTest {
    @TempDir
    Path dir;

    private List<RawRow> read(Path file, TextSampling sampling) throws IOException {
        DataFile df = new DataFile(file, file.getFileName().toString(), FileKind.of(file).orElseThrow());
        List<RawRow> rows = new ArrayList<>();
        try (RowReader r = RowReaders.open(df, sampling)) {
            RawRow row;
            while ((row = r.next()) != null) rows.add(row);
        }
        return rows;
    }

    private List<RawRow> read(Path file) throws IOException {
        return read(file, TextSampling.LINE);
    }

    @Test
    void jsonlSkipsBlankLinesAndKeepsLineNumbersOfBadLines() throws IOException {
        Path f = dir.resolve("data.jsonl");
        Files.writeString(f, "{\"text\":\"a\"}\n\n{\"text\":\"b\"\n[1,2]\n{\"text\":\"c\"}\n");
        List<RawRow> rows = read(f);
        assertThat(rows).hasSize(4);
        assertThat(rows.get(0).value().get("text").asText()).isEqualTo("a");
        assertThat(rows.get(0).location().toString()).isEqualTo("data.jsonl:1");
        assertThat(rows.get(1).isValid()).isFalse();
        assertThat(rows.get(1).location().toString()).isEqualTo("data.jsonl:3");
        assertThat(rows.get(1).syntaxError()).startsWith("invalid JSON");
        assertThat(rows.get(2).syntaxError()).isEqualTo("expected a JSON object, found array");
        assertThat(rows.get(3).location().number()).isEqualTo(5);
    }

    @Test
    void gzipJsonlIsDecompressed() throws IOException {
        Path f = dir.resolve("data.jsonl.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(f))) {
            out.write("{\"text\":\"zipped\"}\n".getBytes(StandardCharsets.UTF_8));
        }
        assertThat(read(f)).singleElement().satisfies(r -> assertThat(r.value().get("text").asText()).isEqualTo("zipped"));
    }

    @Test
    void jsonArrayStreamsElementsWithTheirLines() throws IOException {
        Path f = dir.resolve("data.json");
        Files.writeString(f, "[\n  {\"text\": \"a\"},\n  {\"text\": \"b\"},\n  7\n]\n");
        List<RawRow> rows = read(f);
        assertThat(rows).hasSize(3);
        assertThat(rows.get(1).location().toString()).isEqualTo("data.json:3");
        assertThat(rows.get(2).isValid()).isFalse();
    }

    @Test
    void jsonFileHoldingJsonLinesIsReadAsLines() throws IOException {
        Path f = dir.resolve("data.json");
        Files.writeString(f, "{\"text\": \"a\"}\n{\"text\": \"b\"}\n");
        assertThat(read(f)).hasSize(2);
    }

    @Test
    void prettyPrintedObjectIsNotData() throws IOException {
        Path f = dir.resolve("wrapped.json");
        Files.writeString(f, "{\n  \"data\": [{\"text\": \"a\"}]\n}\n");
        assertThatThrownBy(() -> read(f)).isInstanceOf(SmeltException.class)
                .hasMessage("wrapped.json:1: expected a JSON array of objects, or JSON Lines (one object per line)");
    }

    @Test
    void brokenJsonArrayIsFatalWithItsLine() throws IOException {
        Path f = dir.resolve("bad.json");
        Files.writeString(f, "[\n {\"text\": \"a\"},\n {\"text\": }\n]");
        assertThatThrownBy(() -> read(f)).isInstanceOf(SmeltException.class).hasMessageStartingWith("bad.json:3:");
    }

    @Test
    void csvWithQuotedCommasAndNewlines() throws IOException {
        Path f = dir.resolve("data.csv");
        Files.writeString(f, "prompt,completion\n\"hi, there\",123\n\"multi\nline\",ok\n");
        List<RawRow> rows = read(f);
        assertThat(rows).hasSize(2);
        assertThat(rows.get(0).value().get("prompt").asText()).isEqualTo("hi, there");
        assertThat(rows.get(0).value().get("completion").asText()).isEqualTo("123");
        assertThat(rows.get(1).value().get("prompt").asText()).isEqualTo("multi\nline");
        assertThat(rows.get(1).location().toString()).isEqualTo("data.csv:row 2");
    }

    @Test
    void tsv() throws IOException {
        Path f = dir.resolve("data.tsv");
        Files.writeString(f, "instruction\toutput\nsay hi\thi, you\n");
        List<RawRow> rows = read(f);
        assertThat(rows).singleElement().satisfies(r -> {
            assertThat(r.value().get("instruction").asText()).isEqualTo("say hi");
            assertThat(r.value().get("output").asText()).isEqualTo("hi, you");
        });
    }

    @Test
    void parquetWithNestedMessages() throws Exception {
        Path f = dir.resolve("chat.parquet");
        TestModels.writeParquet(f, "SELECT * FROM (VALUES ([{'role':'user','content':'hi'},{'role':'assistant','content':'yo'}], 1),"
                + " ([{'role':'user','content':'a'},{'role':'assistant','content':'b'}], 2)) v(messages, n)");
        List<RawRow> rows = read(f);
        assertThat(rows).hasSize(2);
        assertThat(rows.get(0).value().get("messages").get(1).get("content").asText()).isEqualTo("yo");
        assertThat(rows.get(1).location().toString()).isEqualTo("chat.parquet:row 2");
    }

    @Test
    void textByLineParagraphAndDocument() throws IOException {
        Path f = dir.resolve("corpus.txt");
        Files.writeString(f, "one\ntwo\n\nthree\n");
        assertThat(read(f, TextSampling.LINE)).extracting(r -> r.value().get("text").asText()).containsExactly("one", "two", "three");
        assertThat(read(f, TextSampling.PARAGRAPH)).extracting(r -> r.value().get("text").asText()).containsExactly("one\ntwo", "three");
        assertThat(read(f, TextSampling.PARAGRAPH).get(1).location().number()).isEqualTo(4);
        assertThat(read(f, TextSampling.DOCUMENT)).extracting(r -> r.value().get("text").asText()).containsExactly("one\ntwo\n\nthree");
    }

    @Test
    void globsAndDirectoriesResolveInSortedOrder() throws IOException {
        Files.createDirectories(dir.resolve("d/sub"));
        Files.writeString(dir.resolve("d/b.jsonl"), "{}\n");
        Files.writeString(dir.resolve("d/a.jsonl"), "{}\n");
        Files.writeString(dir.resolve("d/sub/c.jsonl"), "{}\n");
        Files.writeString(dir.resolve("d/dataset_info.json"), "{}\n");
        Files.writeString(dir.resolve("d/.hidden.jsonl"), "{}\n");
        SourceResolver resolver = new SourceResolver(null);
        assertThat(resolver.resolve(dir.resolve("d").toString())).extracting(f -> f.path().getFileName().toString())
                .containsExactly("a.jsonl", "b.jsonl", "c.jsonl");
        assertThat(resolver.resolve(dir + "/d/*.jsonl")).extracting(f -> f.path().getFileName().toString())
                .containsExactly("a.jsonl", "b.jsonl");
        assertThat(resolver.resolve(dir + "/d/**.jsonl")).hasSize(3);
        assertThatThrownBy(() -> resolver.resolve(dir + "/d/*.parquet")).hasMessageContaining("no data files match");
        assertThatThrownBy(() -> resolver.resolve(dir + "/missing.jsonl")).hasMessageEndingWith("missing.jsonl: no such file or directory");
    }

    @Test
    void unknownExtensionIsNamed() throws IOException {
        Path f = dir.resolve("data.xml");
        Files.writeString(f, "<x/>");
        assertThatThrownBy(() -> new SourceResolver(null).resolve(f.toString())).isInstanceOf(SmeltException.class)
                .hasMessageContaining("data.xml: unknown data file type");
    }

    @Test
    void rowStreamConcatenatesFiles() throws IOException {
        Files.writeString(dir.resolve("a.jsonl"), "{\"text\":\"1\"}\n{\"text\":\"2\"}\n");
        Files.writeString(dir.resolve("b.jsonl"), "{\"text\":\"3\"}\n");
        List<DataFile> files = new SourceResolver(null).resolve(dir + "/*.jsonl");
        List<String> texts = new ArrayList<>();
        try (RowStream s = new RowStream(files, TextSampling.LINE)) {
            RawRow r;
            while ((r = s.next()) != null) texts.add(r.value().get("text").asText());
        }
        assertThat(texts).containsExactly("1", "2", "3");
    }

    @Test
    void brokenJsonNamesItsRealLineInPlainWords() throws IOException {
        Path f = dir.resolve("broken.jsonl");
        Files.writeString(f, "{\"text\":\"a\"}\n\n{\"text\": \"b\",}\n{\"text\": \"c\"} {\"text\": \"d\"}\n{\"text\": \"e\n");
        List<RawRow> rows = read(f);
        assertThat(rows.get(1).location().toString()).isEqualTo("broken.jsonl:3");
        assertThat(rows.get(1).syntaxError()).isEqualTo("invalid JSON: unexpected '}', expected double-quote to start field name");
        assertThat(rows.get(2).location().toString()).isEqualTo("broken.jsonl:4");
        assertThat(rows.get(2).syntaxError()).isEqualTo("invalid JSON: more than one JSON value"); // was accepted as "c"
        assertThat(rows.get(3).syntaxError()).isEqualTo("invalid JSON: the JSON ends early, expected closing quote for a string value");
        for (RawRow r : rows.subList(1, 4)) assertThat(r.syntaxError()).doesNotContain("code", "Source", "JsonToken");

        // in a pretty-printed array, the line of the fault, not of the element's start
        Path pretty = dir.resolve("pretty.json");
        Files.writeString(pretty, "[\n {\"text\": \"a\"},\n {\"text\":\n  \"b\",\n  }\n]\n");
        assertThatThrownBy(() -> read(pretty)).isInstanceOf(SmeltException.class)
                .hasMessage("pretty.json:5: invalid JSON in array element 2: unexpected '}', expected double-quote to start field name");
    }

    @Test
    void anEmptyDataFileIsAnError() throws IOException {
        Files.writeString(dir.resolve("a.jsonl"), "{\"text\":\"1\"}\n");
        Files.writeString(dir.resolve("b.jsonl"), "\n\n");
        Files.writeString(dir.resolve("c.json"), "");
        for (String name : List.of("b.jsonl", "c.json")) {
            List<DataFile> files = new SourceResolver(null).resolve(List.of(dir.resolve("a.jsonl").toString(), dir.resolve(name).toString()));
            assertThatThrownBy(() -> {
                try (RowStream s = new RowStream(files, TextSampling.LINE)) {
                    while (s.next() != null) {
                        // drain
                    }
                }
            }).isInstanceOf(SmeltException.class).hasMessage(dir.resolve(name) + ": no rows (the file is empty)");
        }
    }
}
