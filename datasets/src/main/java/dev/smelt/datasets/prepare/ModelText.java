package dev.smelt.datasets.prepare;

import dev.smelt.core.SmeltException;
import dev.smelt.core.chat.ChatTemplate;
import dev.smelt.datasets.render.ChatRenderer;
import dev.smelt.datasets.tokenize.ExampleTokenizer;
import dev.smelt.datasets.tokenize.ModelTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;

/** What a model directory contributes: its chat template (if any) and its tokenizer. */
public final class ModelText implements AutoCloseable {
    private final ChatTemplate template;
    private final ModelTokenizer tokenizer;

    public ModelText(ChatTemplate template, ModelTokenizer tokenizer) {
        this.template = template;
        this.tokenizer = tokenizer;
    }

    public static ModelText load(Path modelDir) {
        if (!Files.isDirectory(modelDir)) throw new SmeltException(modelDir + ": not a model directory");
        ModelTokenizer tokenizer = ModelTokenizer.load(modelDir);
        ChatTemplate template;
        try {
            template = ChatTemplate.fromModelDir(modelDir);
        } catch (SmeltException e) {
            if (!e.getMessage().contains("no chat template")) {
                tokenizer.close();
                throw e;
            }
            template = null; // a base model: raw text only
        }
        return new ModelText(template, tokenizer);
    }

    /** The chat template, or null when the model has none. */
    public ChatTemplate template() {
        return template;
    }

    public ModelTokenizer tokenizer() {
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
