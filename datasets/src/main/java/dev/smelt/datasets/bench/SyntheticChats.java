package dev.smelt.datasets.bench;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * Writes a seeded synthetic chat JSONL in the {@code messages} format: an optional system prompt,
 * one or two user/assistant exchanges, sentences of words from a fixed mixed-language list
 * (accents, CJK, an emoji) so tokenization sees more than ASCII.
 */
public final class SyntheticChats {
    private static final String[] WORDS = (
            "the of and to in is that for it as with was on be by this are from at or an have not but which they "
            + "model data train token layer weight gradient batch sequence attention matrix vector loss rate epoch "
            + "question answer explain describe because therefore however example result value function system "
            + "Paris Berlin Tokyo über café naïve résumé 東京 数据 模型 训练 🙂 2026 42 3.14 x_1 f(x) <b> — ").split(" ");

    private SyntheticChats() {}

    public static void write(Path file, int rows, long seed) throws IOException {
        SplittableRandom rnd = new SplittableRandom(seed);
        JsonFactory factory = new JsonFactory();
        try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (int r = 0; r < rows; r++) {
                try (JsonGenerator g = factory.createGenerator(out)) {
                    g.configure(JsonGenerator.Feature.AUTO_CLOSE_TARGET, false);
                    g.writeStartObject();
                    g.writeArrayFieldStart("messages");
                    if (rnd.nextInt(3) == 0) message(g, "system", sentence(rnd, 6, 14));
                    int exchanges = 1 + rnd.nextInt(2);
                    for (int e = 0; e < exchanges; e++) {
                        message(g, "user", sentence(rnd, 4, 16));
                        message(g, "assistant", sentence(rnd, 8, 40));
                    }
                    g.writeEndArray();
                    g.writeEndObject();
                }
                out.write('\n');
            }
        }
    }

    private static void message(JsonGenerator g, String role, String content) throws IOException {
        g.writeStartObject();
        g.writeStringField("role", role);
        g.writeStringField("content", content);
        g.writeEndObject();
    }

    private static String sentence(SplittableRandom rnd, int min, int max) {
        int n = min + rnd.nextInt(max - min + 1);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            if (i > 0) sb.append(' ');
            String w = WORDS[rnd.nextInt(WORDS.length)];
            sb.append(i == 0 ? Character.toUpperCase(w.charAt(0)) + w.substring(1) : w);
        }
        return sb.append(rnd.nextInt(4) == 0 ? '?' : '.').toString();
    }
}
