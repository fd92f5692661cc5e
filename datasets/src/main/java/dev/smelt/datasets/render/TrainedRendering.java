package dev.smelt.datasets.render;

import dev.smelt.core.chat.ChatTemplate;
import dev.smelt.core.chat.ChatTemplateKwargs;

/**
 * Decides, once per training run and from its data, the template variables the model is trained with and must be
 * prompted with afterwards.
 *
 * <p>A thinking template (one that reads {@code enable_thinking}: Qwen3, Qwen3.5) renders an answer given without
 * reasoning after an empty think block ({@code <think>\n\n</think>\n\n}), which is masked, so the trained tokens
 * begin after it. The template's default generation prompt stops before that block (Qwen3) or inside it (Qwen3.5):
 * a model prompted with the defaults would start where it never learned to. So when no conversation of the data
 * carries reasoning the run is non-thinking, {@code enable_thinking=false}, whose generation prompt ends with the
 * empty block, exactly where the trained tokens begin (the full rendering of a conversation does not depend on the
 * variable). Data with reasoning, templates without the variable, and raw text keep the template's defaults.
 */
public final class TrainedRendering {
    public static final String ENABLE_THINKING = "enable_thinking";

    private TrainedRendering() {}

    /**
     * @param template the model's chat template, or null
     * @param chatExamples how many conversations were rendered with it
     * @param reasoningExamples how many of them carry reasoning in an assistant message
     */
    public static ChatTemplateKwargs decide(ChatTemplate template, long chatExamples, long reasoningExamples) {
        if (template == null || chatExamples == 0 || reasoningExamples > 0) return ChatTemplateKwargs.NONE;
        if (!template.source().contains(ENABLE_THINKING)) return ChatTemplateKwargs.NONE;
        return ChatTemplateKwargs.of(ENABLE_THINKING, false);
    }
}
