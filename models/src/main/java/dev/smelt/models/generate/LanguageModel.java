package dev.smelt.models.generate;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import dev.smelt.core.SmeltException;
import dev.smelt.core.chat.ChatMessage;
import dev.smelt.core.chat.ChatTemplate;
import dev.smelt.core.chat.ChatTemplateKwargs;
import dev.smelt.core.model.GenerationConfig;
import dev.smelt.core.model.ModelDirectory;
import dev.smelt.models.CausalLM;
import dev.smelt.models.ModelLoader;
import java.util.List;

/**
 * A model directory ready for text generation: the loaded {@link CausalLM}, its tokenizer, its chat template
 * (loaded on first use) and the stop ids from generation_config.json and config.json.
 */
public final class LanguageModel implements AutoCloseable {
    /** Default generation length when neither the request nor generation_config.json says. */
    public static final int DEFAULT_MAX_NEW_TOKENS = 512;

    private final ModelDirectory dir;
    private final CausalLM model;
    private final GenerationTokenizer tokenizer;
    private final Generator generator;
    private final List<Integer> stopIds;
    private ChatTemplate chatTemplate;
    private ChatTemplateKwargs chatTemplateKwargs = ChatTemplateKwargs.NONE;

    public LanguageModel(ModelDirectory dir, CausalLM model, GenerationTokenizer tokenizer) {
        this.dir = dir;
        this.model = model;
        this.tokenizer = tokenizer;
        this.generator = new Generator(model, tokenizer);
        this.stopIds = dir.eosTokenIds();
    }

    public static LanguageModel open(ModelDirectory dir, Device device, DataType dtype) {
        GenerationTokenizer tok = GenerationTokenizer.open(dir);
        try {
            return new LanguageModel(dir, ModelLoader.load(dir, device, dtype), tok);
        } catch (RuntimeException e) {
            tok.close();
            throw e;
        }
    }

    public ModelDirectory directory() {
        return dir;
    }

    public CausalLM model() {
        return model;
    }

    public GenerationTokenizer tokenizer() {
        return tokenizer;
    }

    public Generator generator() {
        return generator;
    }

    /** EOS ids generation stops at. */
    public List<Integer> stopTokenIds() {
        return stopIds;
    }

    /** Ids of a plain prompt, with the tokenizer's special tokens (e.g. BOS) added as transformers does. */
    public long[] encodePrompt(String prompt) {
        return tokenizer.encode(prompt, true);
    }

    /**
     * Template variables every chat is rendered with unless a request overrides them: those an adapter was trained
     * with ({@code chat_template_kwargs.json}) and the user's {@code --chat-template-kwargs} on top. A merged model
     * needs none: its template carries them as defaults.
     */
    public synchronized void setChatTemplateKwargs(ChatTemplateKwargs kwargs) {
        chatTemplateKwargs = kwargs;
    }

    public synchronized ChatTemplateKwargs chatTemplateKwargs() {
        return chatTemplateKwargs;
    }

    /** Renders the conversation with the model's own chat template plus the generation prompt, and encodes it. */
    public long[] encodeChat(List<ChatMessage> messages) {
        return encodeChat(messages, ChatTemplateKwargs.NONE);
    }

    /** As {@link #encodeChat(List)}, with {@code request}'s template variables over the model's. */
    public long[] encodeChat(List<ChatMessage> messages, ChatTemplateKwargs request) {
        return tokenizer.encode(renderChat(messages, request), false);
    }

    public String renderChat(List<ChatMessage> messages) {
        return renderChat(messages, ChatTemplateKwargs.NONE);
    }

    public synchronized String renderChat(List<ChatMessage> messages, ChatTemplateKwargs request) {
        if (chatTemplate == null) chatTemplate = ChatTemplate.fromModelDir(dir.path());
        return chatTemplate.render(messages, true, chatTemplateKwargs.overriddenBy(request).values());
    }

    /** The model author's sampling defaults (generation_config.json), stopping at the EOS ids. */
    public SamplingParams defaultSampling(Integer maxNewTokens) {
        GenerationConfig g = dir.generationConfig();
        int n = maxNewTokens != null ? maxNewTokens : g.maxNewTokens() != null ? g.maxNewTokens() : DEFAULT_MAX_NEW_TOKENS;
        if (n < 0) throw new SmeltException("max new tokens must be >= 0, got " + n);
        return SamplingParams.fromGenerationConfig(g, n, stopIds);
    }

    public GenerationResult generate(long[] promptIds, SamplingParams params, TokenStreamer streamer) {
        return generator.generate(promptIds, params, streamer);
    }

    @Override
    public void close() {
        model.close();
        tokenizer.close();
    }
}
