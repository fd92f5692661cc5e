package dev.smelt.datasets.tokenize;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.CharSpan;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.smelt.core.SmeltException;
import dev.smelt.core.privacy.DjlTelemetry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A model's Hugging Face tokenizer as data preparation needs it: ids with the code-point offset where
 * each token starts (to draw loss masks), plus the end-of-sequence and pad tokens from
 * {@code tokenizer_config.json} (to pad batches). Reads {@code tokenizer.json} through DJL's binding of
 * the Rust library. Truncation and padding configured in the file are switched off: length handling is
 * the datasets module's job. Every call says whether to add special tokens (a rendered chat template
 * carries its own, raw text gets the tokenizer's), as {@code GenerationTokenizer} in the models module
 * does. Thread-safe.
 */
public final class DatasetTokenizer implements AutoCloseable {
    static {
        DjlTelemetry.disable(); // before this class creates DJL objects
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HuggingFaceTokenizer tokenizer;
    private final String eosToken;
    private final String padToken;

    private DatasetTokenizer(HuggingFaceTokenizer tokenizer, String eosToken, String padToken) {
        this.tokenizer = tokenizer;
        this.eosToken = eosToken;
        this.padToken = padToken;
    }

    public static DatasetTokenizer load(Path modelDir) {
        Path file = modelDir.resolve("tokenizer.json");
        if (!Files.isRegularFile(file)) throw new SmeltException(file + ": no such file (the model's tokenizer is needed)");
        HuggingFaceTokenizer tok;
        try {
            tok = HuggingFaceTokenizer.newInstance(file, Map.of("truncation", "false", "padding", "false"));
        } catch (IOException | RuntimeException e) {
            throw new SmeltException(file + ": cannot load tokenizer: " + e.getMessage(), e);
        }
        JsonNode config = readConfig(modelDir.resolve("tokenizer_config.json"));
        return new DatasetTokenizer(tok, tokenString(config, "eos_token"), tokenString(config, "pad_token"));
    }

    /**
     * A special token ({@code eos_token}, {@code pad_token}) as {@code tokenizer_config.json} of {@code modelDir} names it,
     * or null; the same reading as {@link #load}, without loading the tokenizer.
     */
    public static String configToken(Path modelDir, String key) {
        return tokenString(readConfig(modelDir.resolve("tokenizer_config.json")), key);
    }

    private static JsonNode readConfig(Path file) {
        if (!Files.isRegularFile(file)) return JSON.createObjectNode();
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new SmeltException(file + ": invalid JSON: " + e.getMessage(), e);
        }
    }

    /** A special token as tokenizer_config.json writes it: a string or {@code {"content": ...}}. */
    private static String tokenString(JsonNode config, String key) {
        JsonNode v = config.get(key);
        if (v == null || v.isNull()) return null;
        if (v.isTextual()) return v.textValue();
        JsonNode content = v.get("content");
        return content != null && content.isTextual() ? content.textValue() : null;
    }

    /** Token ids and, per token, the code-point offset in the text where it starts. */
    public record Encoded(int[] ids, int[] codePointStarts) {}

    public Encoded encode(String text, boolean addSpecialTokens) {
        Encoding e = tokenizer.encode(text, addSpecialTokens, false);
        long[] ids = e.getIds();
        CharSpan[] spans = e.getCharTokenSpans();
        int[] out = new int[ids.length];
        int[] starts = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = Math.toIntExact(ids[i]);
            // Tokens the post-processor adds (BOS) have no source text; place them before the text.
            starts[i] = spans[i] == null ? -1 : spans[i].getStart();
        }
        return new Encoded(out, starts);
    }

    public String decode(int[] ids) {
        long[] l = new long[ids.length];
        for (int i = 0; i < ids.length; i++) l[i] = ids[i];
        return tokenizer.decode(l, false);
    }

    /** The end-of-sequence token text, or null when tokenizer_config.json names none. */
    public String eosToken() {
        return eosToken;
    }

    public String padToken() {
        return padToken;
    }

    /** The id batches are padded with: the pad token's, else the end-of-sequence token's, else 0. */
    public int padTokenId() {
        int pad = tokenId(padToken);
        if (pad >= 0) return pad;
        int eos = tokenId(eosToken);
        return Math.max(eos, 0);
    }

    /** The id of a token given by its text (a special token), or -1 when it is not a single token. */
    public int tokenId(String token) {
        if (token == null) return -1;
        long[] ids = tokenizer.encode(token, false, false).getIds();
        return ids.length == 1 ? Math.toIntExact(ids[0]) : -1;
    }

    /** The underlying DJL tokenizer (used as the benchmark's baseline). */
    public HuggingFaceTokenizer djl() {
        return tokenizer;
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
