package dev.smelt.datasets.source;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.smelt.core.SmeltException;
import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

/**
 * Parquet, CSV and TSV through DuckDB's embedded engine (no Hadoop runtime). Each row is turned into
 * JSON inside DuckDB ({@code to_json(t)}), so nested Parquet columns such as a {@code messages}
 * list of structs arrive in the same shape as from a JSONL file. Results are streamed
 * ({@code jdbc_stream_results}) under a fixed DuckDB memory limit, so memory does not follow file size.
 */
public final class DuckDbRowReader implements RowReader {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final DataFile file;
    private Connection connection;
    private Statement statement;
    private ResultSet rows;
    private long rowNumber;

    public DuckDbRowReader(DataFile file) throws IOException {
        this.file = file;
        try {
            Class.forName("org.duckdb.DuckDBDriver");
            Properties props = new Properties();
            props.setProperty("jdbc_stream_results", "true");
            connection = DriverManager.getConnection("jdbc:duckdb:", props);
            statement = connection.createStatement();
            statement.execute("SET memory_limit='256MB'");
            statement.execute("SET threads=1");
            statement.execute("SET preserve_insertion_order=true");
            rows = statement.executeQuery("SELECT to_json(t) FROM " + tableFunction(file) + " t");
        } catch (SQLException | ClassNotFoundException e) {
            closeQuietly();
            throw new SmeltException(file.displayName() + ": cannot read as " + file.kind().name().toLowerCase()
                    + ": " + firstLine(e.getMessage()));
        }
    }

    private static String tableFunction(DataFile file) {
        String path = "'" + file.path().toAbsolutePath().toString().replace("'", "''") + "'";
        return switch (file.kind()) {
            case PARQUET -> "read_parquet(" + path + ")";
            case CSV -> "read_csv(" + path + ", header=true, all_varchar=true)";
            case TSV -> "read_csv(" + path + ", header=true, all_varchar=true, delim='\\t', quote='\"')";
            default -> throw new IllegalArgumentException("not a DuckDB kind: " + file.kind());
        };
    }

    @Override
    public RawRow next() throws IOException {
        try {
            if (!rows.next()) return null;
            rowNumber++;
            RowLocation at = RowLocation.row(file, rowNumber);
            String json = rows.getString(1);
            JsonNode node = JSON.readTree(json);
            return RawRow.of(at, node);
        } catch (SQLException e) {
            throw new SmeltException(RowLocation.row(file, rowNumber + 1) + ": " + firstLine(e.getMessage()));
        }
    }

    private static String firstLine(String s) {
        if (s == null) return "unknown error";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    private void closeQuietly() {
        try {
            close();
        } catch (IOException ignored) {
            // already failing with a better message
        }
    }

    @Override
    public void close() throws IOException {
        try {
            if (rows != null) rows.close();
            if (statement != null) statement.close();
            if (connection != null) connection.close();
        } catch (SQLException e) {
            throw new IOException(e);
        }
    }
}
