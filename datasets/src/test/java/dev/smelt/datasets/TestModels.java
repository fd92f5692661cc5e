package dev.smelt.datasets;

import dev.smelt.core.chat.ChatTemplate;
import dev.smelt.core.tiny.TinyTokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;

/** Test model directories: the tiny byte-level BPE tokenizer from core with a real Qwen chat template. */
public final class TestModels {
    private static final TinyTokenizer TOKENIZER = TinyTokenizer.train(1200);

    private TestModels() {}

    /** A Qwen chat template from test resources: {@code qwen2_5} (plain ChatML), {@code qwen3}, {@code qwen3_5}. */
    public static String template(String name) {
        try (InputStream in = TestModels.class.getResourceAsStream("/chat-templates/" + name + ".jinja")) {
            if (in == null) throw new IllegalArgumentException("no template " + name);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static ChatTemplate chatTemplate(String name) {
        return ChatTemplate.of(template(name), Map.of("eos_token", TinyTokenizer.IM_END));
    }

    /** Writes tokenizer.json and tokenizer_config.json (with the named template, or none when null) into a new dir. */
    public static Path modelDir(Path parent, String templateName) {
        try {
            Path dir = Files.createDirectories(parent.resolve(templateName == null ? "base" : templateName));
            TOKENIZER.writeTo(dir, templateName == null ? null : template(templateName), 32768);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes the result of a DuckDB query as a Parquet file. */
    public static void writeParquet(Path file, String select) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
             Statement s = c.createStatement()) {
            s.execute("COPY (" + select + ") TO '" + file.toAbsolutePath().toString().replace("'", "''") + "' (FORMAT parquet)");
        }
    }

    public static TinyTokenizer tokenizer() {
        return TOKENIZER;
    }
}
