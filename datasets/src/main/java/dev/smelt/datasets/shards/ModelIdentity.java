package dev.smelt.datasets.shards;

import dev.smelt.core.SmeltException;
import dev.smelt.core.chat.ChatTemplate;
import dev.smelt.datasets.prepare.ModelText;
import dev.smelt.datasets.tokenize.DatasetTokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What of a model directory decides how data is tokenized and rendered, as hashes a prepared data set records and
 * checks: the {@code tokenizer.json} bytes, the end-of-sequence and pad tokens of {@code tokenizer_config.json}, and the
 * chat template's source with the special tokens it is rendered with (null when the model has no template).
 */
public record ModelIdentity(String tokenizerSha256, String eosToken, String padToken, String chatTemplateSha256) {

    public static ModelIdentity of(Path modelDir) {
        Path tokenizer = modelDir.resolve("tokenizer.json");
        if (!Files.isRegularFile(tokenizer)) throw new SmeltException(tokenizer + ": no such file (the model's tokenizer is needed)");
        String template = null;
        if (ModelText.hasChatTemplate(modelDir)) {
            ChatTemplate t = ChatTemplate.fromModelDir(modelDir);
            StringBuilder b = new StringBuilder(t.source());
            for (Map.Entry<String, Object> e : new TreeMap<>(t.specialTokens()).entrySet()) {
                b.append('\0').append(e.getKey()).append('=').append(e.getValue());
            }
            template = sha256(b.toString().getBytes(StandardCharsets.UTF_8));
        }
        return new ModelIdentity(sha256(tokenizer), DatasetTokenizer.configToken(modelDir, "eos_token"),
                DatasetTokenizer.configToken(modelDir, "pad_token"), template);
    }

    /**
     * The first way {@code model} differs from this (the identity recorded at preparation), as a phrase such as
     * {@code "another tokenizer (tokenizer.json sha256 1a2b3c4d… here, 5e6f7a8b… when prepared)"}, or null when none.
     */
    public String difference(ModelIdentity model) {
        if (!tokenizerSha256.equals(model.tokenizerSha256)) {
            return "another tokenizer (tokenizer.json sha256 " + shortHash(model.tokenizerSha256) + " in the model, "
                    + shortHash(tokenizerSha256) + " when prepared)";
        }
        if (!Objects.equals(chatTemplateSha256, model.chatTemplateSha256)) {
            return "another chat template (sha256 " + shortHash(model.chatTemplateSha256) + " in the model, "
                    + shortHash(chatTemplateSha256) + " when prepared)";
        }
        if (!Objects.equals(eosToken, model.eosToken)) {
            return "another eos_token (" + model.eosToken + " in the model's tokenizer_config.json, " + eosToken + " when prepared)";
        }
        if (!Objects.equals(padToken, model.padToken)) {
            return "another pad_token (" + model.padToken + " in the model's tokenizer_config.json, " + padToken + " when prepared)";
        }
        return null;
    }

    private static String shortHash(String h) {
        return h == null ? "none" : h.substring(0, 12) + "…";
    }

    static String sha256(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) md.update(buf, 0, n);
            return HexFormat.of().formatHex(md.digest());
        } catch (IOException e) {
            throw new SmeltException(file + ": cannot read (" + e.getMessage() + ")", e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
