package dev.smelt.models.generate;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.smelt.core.SmeltException;
import dev.smelt.core.model.ModelDirectory;
import dev.smelt.core.privacy.DjlTelemetry;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * A model's Hugging Face tokenizer as generation needs it: prompt text to ids, ids back to text. Reads the model
 * directory's tokenizer.json through DJL's binding of the Hugging Face tokenizers library, with truncation and
 * padding off (generation must see the whole prompt). Every call says whether to add special tokens, as
 * {@code DatasetTokenizer} in the datasets module does.
 */
public final class GenerationTokenizer implements AutoCloseable {
    static {
        DjlTelemetry.disable(); // before this class creates DJL objects
    }

    private final HuggingFaceTokenizer tokenizer;

    private GenerationTokenizer(HuggingFaceTokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    public static GenerationTokenizer open(ModelDirectory dir) {
        return open(dir.tokenizerJson());
    }

    public static GenerationTokenizer open(Path tokenizerJson) {
        try {
            return new GenerationTokenizer(HuggingFaceTokenizer.newInstance(tokenizerJson,
                    Map.of("truncation", "false", "padding", "false")));
        } catch (IOException | RuntimeException e) {
            throw new SmeltException(tokenizerJson + ": cannot load tokenizer: " + e.getMessage(), e);
        }
    }

    /** Ids of {@code text}; {@code addSpecialTokens} applies the tokenizer's post-processor (e.g. a leading BOS). */
    public long[] encode(String text, boolean addSpecialTokens) {
        return tokenizer.encode(text, addSpecialTokens, false).getIds();
    }

    public String decode(long[] ids, boolean skipSpecialTokens) {
        return tokenizer.decode(ids, skipSpecialTokens);
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
