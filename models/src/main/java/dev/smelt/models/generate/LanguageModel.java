package dev.smelt.models.generate;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import dev.smelt.core.SmeltException;
import dev.smelt.core.chat.ChatMessage;
import dev.smelt.core.chat.ChatTemplate;
import dev.smelt.core.chat.ChatTemplateKwargs;
import dev.smelt.core.model.GenerationConfig;
import dev.smelt.core.model.ModelDirectory;
import dev.smelt.core.model.Qwen35Config;
import dev.smelt.core.vision.ImagePreprocessor;
import dev.smelt.core.vision.ImageProcessorConfig;
import dev.smelt.core.vision.PixelPatches;
import dev.smelt.core.vision.RgbImage;
import dev.smelt.models.CausalLM;
import dev.smelt.models.ModelLoader;
import dev.smelt.models.qwen35.Qwen35Model;
import java.util.ArrayList;
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
    private ImagePreprocessor imagePreprocessor;

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

    /** True when the model has a vision tower and takes images (a Qwen3.5 checkpoint with vision_config). */
    public boolean acceptsImages() {
        return model instanceof Qwen35Model q && q.acceptsImages();
    }

    /**
     * What a chat template renders for one image (Qwen3.5: {@code <|vision_start|><|image_pad|><|vision_end|>}); put it
     * into a message's content where the image goes, then {@link #withImages} expands it.
     *
     * @throws SmeltException when the model takes no images
     */
    public String imagePlaceholder() {
        requireImages();
        return "<|vision_start|><|image_pad|><|vision_end|>";
    }

    /** The checkpoint's image processor (preprocessor_config.json), read on first use. */
    public synchronized ImagePreprocessor imagePreprocessor() {
        requireImages();
        if (imagePreprocessor == null) imagePreprocessor = new ImagePreprocessor(ImageProcessorConfig.read(dir.path()));
        return imagePreprocessor;
    }

    private void requireImages() {
        if (!acceptsImages()) {
            throw new SmeltException(dir.path() + ": this model takes no images (config.json has no vision_config; "
                    + "only Qwen3.5 checkpoints with their vision tower do)");
        }
    }

    /**
     * Preprocesses {@code images} and repeats the i-th image placeholder token of {@code ids} once per merged token of
     * the i-th image (what the Hugging Face processor does). The number of placeholders must equal the number of images.
     */
    public ImagePrompt withImages(long[] ids, List<RgbImage> images) {
        if (images.isEmpty()) return new ImagePrompt(ids, List.of());
        requireImages();
        int pad = ((Qwen35Config) model.config()).visionTokens().imageTokenId();
        int found = 0;
        for (long id : ids) if (id == pad) found++;
        if (found != images.size()) {
            throw new SmeltException("the prompt has " + found + " image placeholder(s) (token " + pad + ") but "
                    + images.size() + " image(s) were given");
        }
        // count the tokens from the sizes alone, so an image too large for the context fails before it is resized
        long needed = ids.length - found;
        for (RgbImage img : images) needed += imagePreprocessor().tokenCount(img.width(), img.height());
        if (needed >= generator.contextLimit()) {
            StringBuilder sizes = new StringBuilder();
            for (RgbImage img : images) sizes.append(sizes.length() == 0 ? "" : ", ").append(img.width()).append('x').append(img.height());
            throw new SmeltException("the prompt with its image(s) (" + sizes + ") is " + needed + " tokens but the model's "
                    + "context limit is " + generator.contextLimit() + " tokens, including at least one generated token");
        }
        List<PixelPatches> patches = new ArrayList<>();
        for (RgbImage img : images) patches.add(imagePreprocessor().process(img));
        int total = ids.length - found;
        for (PixelPatches p : patches) total += p.numTokens();
        long[] out = new long[total];
        int o = 0, k = 0;
        for (long id : ids) {
            if (id != pad) {
                out[o++] = id;
                continue;
            }
            for (int i = 0; i < patches.get(k).numTokens(); i++) out[o++] = pad;
            k++;
        }
        return new ImagePrompt(out, patches);
    }

    /** A user turn with {@code images} before {@code text} (the order transformers' chat examples use). */
    public ChatMessage userWithImages(String text, int images) {
        if (images == 0) return ChatMessage.user(text);
        return ChatMessage.user(imagePlaceholder().repeat(images) + text);
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

    /** Generation from a prompt with images ({@link #withImages}). */
    public GenerationResult generate(ImagePrompt prompt, SamplingParams params, TokenStreamer streamer) {
        return generator.generate(prompt.ids(), prompt.images(), params, streamer);
    }

    @Override
    public void close() {
        model.close();
        tokenizer.close();
    }
}
