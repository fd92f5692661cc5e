package dev.smelt.datasets.prepare;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.smelt.core.SmeltException;
import dev.smelt.core.chat.ChatTemplate;
import dev.smelt.datasets.image.ModelImages;
import dev.smelt.datasets.render.ChatRenderer;
import dev.smelt.datasets.tokenize.DatasetTokenizer;
import dev.smelt.datasets.tokenize.ExampleTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What a model directory contributes: its chat template (if any), its tokenizer and, for a vision model, its image settings. */
public final class ModelText implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ChatTemplate template;
    private final DatasetTokenizer tokenizer;
    private final ModelImages images;
    private final String name;

    public ModelText(ChatTemplate template, DatasetTokenizer tokenizer) {
        this(template, tokenizer, null, "the model");
    }

    /** @param images the model's image settings, null for a model that takes no images; {@code name} for errors */
    public ModelText(ChatTemplate template, DatasetTokenizer tokenizer, ModelImages images, String name) {
        this.template = template;
        this.tokenizer = tokenizer;
        this.images = images;
        this.name = name;
    }

    public static ModelText load(Path modelDir) {
        if (!Files.isDirectory(modelDir)) throw new SmeltException(modelDir + ": not a model directory");
        DatasetTokenizer tokenizer = DatasetTokenizer.load(modelDir);
        ChatTemplate template = null; // a base model without one: raw text only
        ModelImages images;
        try {
            if (hasChatTemplate(modelDir)) template = ChatTemplate.fromModelDir(modelDir);
            images = ModelImages.read(modelDir);
        } catch (RuntimeException e) {
            tokenizer.close();
            throw e;
        }
        return new ModelText(template, tokenizer, images, modelDir.toString());
    }

    /** Whether the directory ships a chat template where transformers looks for one. */
    public static boolean hasChatTemplate(Path dir) {
        if (Files.isRegularFile(dir.resolve(ChatTemplate.CHAT_TEMPLATE_FILE))) return true;
        for (String file : new String[] {ChatTemplate.TOKENIZER_CONFIG, ChatTemplate.CHAT_TEMPLATE_JSON}) {
            Path f = dir.resolve(file);
            if (!Files.isRegularFile(f)) continue;
            try {
                JsonNode field = JSON.readTree(f.toFile()).get("chat_template");
                if (field != null && !field.isNull()) return true;
            } catch (IOException e) {
                throw new SmeltException(f + ": not valid JSON (" + e.getMessage().split("\n", 2)[0] + ")", e);
            }
        }
        return false;
    }

    /** The chat template, or null when the model has none. */
    public ChatTemplate template() {
        return template;
    }

    /** The model's image settings, or null when it takes no images. */
    public ModelImages images() {
        return images;
    }

    /** How errors name the model (its directory). */
    public String name() {
        return name;
    }

    public DatasetTokenizer tokenizer() {
        return tokenizer;
    }

    public ChatRenderer renderer(DataOptions options) {
        return new ChatRenderer(template, options.trainOn(), options.trainOnEmptyThinkBlock(), tokenizer.eosToken());
    }

    public ExampleTokenizer exampleTokenizer() {
        return new ExampleTokenizer(tokenizer);
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
