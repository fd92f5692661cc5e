package dev.smelt.datasets.shards;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Smelt's Parquet writer read back by DuckDB's independent Parquet reader; the bytes depend on the rows only. */
class ParquetShardWriterTest {
    @TempDir
    Path dir;

    record Row(int[] ids, int[] labels, int[] lens) {}

    private static List<Row> rows(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int segments = 1 + r.nextInt(4);
            int[] lens = new int[segments];
            int total = 0;
            for (int k = 0; k < segments; k++) total += lens[k] = 1 + r.nextInt(i % 10 == 0 ? 300 : 40);
            int[] ids = new int[total];
            int[] labels = new int[total];
            for (int t = 0; t < total; t++) {
                ids[t] = r.nextInt(i == 3 ? Integer.MAX_VALUE : 152_000);
                labels[t] = r.nextBoolean() ? ids[t] : -100;
            }
            rows.add(new Row(ids, labels, lens));
        }
        return rows;
    }

    private static byte[] write(List<Row> rows, int rowGroupTokens) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ParquetShardWriter w = new ParquetShardWriter(out, rowGroupTokens)) {
            for (Row r : rows) w.write(r.ids, r.labels, r.lens);
        }
        return out.toByteArray();
    }

    private static List<Row> readWithDuckDb(Path file) throws SQLException {
        List<Row> out = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement s = c.createStatement()) {
            s.execute("SET threads=1");
            try (ResultSet rs = s.executeQuery("SELECT input_ids, labels, seq_lens FROM read_parquet('" + file + "')")) {
                while (rs.next()) out.add(new Row(ints(rs, 1), ints(rs, 2), ints(rs, 3)));
            }
        }
        return out;
    }

    private static int[] ints(ResultSet rs, int column) throws SQLException {
        Object[] v = (Object[]) rs.getArray(column).getArray();
        return Arrays.stream(v).mapToInt(o -> ((Number) o).intValue()).toArray();
    }

    @Test
    void duckDbReadsEveryRowBackAcrossRowGroups() throws Exception {
        List<Row> rows = rows(500, 7);
        Path file = dir.resolve("rows.parquet");
        Files.write(file, write(rows, 2_000)); // ~20 row groups
        List<Row> back = readWithDuckDb(file);
        assertThat(back).hasSize(rows.size());
        for (int i = 0; i < rows.size(); i++) {
            assertThat(back.get(i).ids).as("row %d input_ids", i).isEqualTo(rows.get(i).ids);
            assertThat(back.get(i).labels).as("row %d labels", i).isEqualTo(rows.get(i).labels);
            assertThat(back.get(i).lens).as("row %d seq_lens", i).isEqualTo(rows.get(i).lens);
        }
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(DISTINCT row_group_id), min(type), max(path_in_schema),"
                     + " max(compression) FROM parquet_metadata('" + file + "')")) {
            rs.next();
            assertThat(rs.getLong(1)).isGreaterThan(10);
            assertThat(rs.getString(2)).isEqualTo("INT32");
            assertThat(rs.getString(4)).isEqualTo("UNCOMPRESSED");
        }
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT name, converted_type FROM parquet_schema('" + file + "')")) {
            List<String> schema = new ArrayList<>();
            while (rs.next()) schema.add(rs.getString(1) + ":" + rs.getString(2));
            assertThat(schema).contains("input_ids:LIST", "labels:LIST", "seq_lens:LIST", "element:null");
        }
    }

    @Test
    void sameRowsGiveSameBytes() throws IOException {
        assertThat(write(rows(200, 3), 1_000)).isEqualTo(write(rows(200, 3), 1_000));
        assertThat(write(rows(200, 3), 1_000)).isNotEqualTo(write(rows(200, 4), 1_000));
    }

    @Test
    void anEmptyListAndAnEmptyFileAreValid() throws Exception {
        Path file = dir.resolve("edge.parquet");
        Files.write(file, write(List.of(new Row(new int[] {5}, new int[] {-100}, new int[0]), new Row(new int[] {1, 2},
                new int[] {1, 2}, new int[] {2})), 10));
        List<Row> back = readWithDuckDb(file);
        assertThat(back.get(0).lens).isEmpty();
        assertThat(back.get(1).ids).containsExactly(1, 2);
        Path empty = dir.resolve("empty.parquet");
        Files.write(empty, write(List.of(), 10));
        assertThat(readWithDuckDb(empty)).isEmpty();
    }
}
