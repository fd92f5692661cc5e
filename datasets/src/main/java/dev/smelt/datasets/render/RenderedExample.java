package dev.smelt.datasets.render;

import java.util.List;

/**
 * A row as the model will read it, before tokenization: the text and the character spans whose
 * tokens are trained. {@code addSpecialTokens} says whether the tokenizer's post-processor should add
 * its special tokens (BOS): false for chat-template output, which already holds every special token.
 * {@code reasoning} says whether an assistant message carries reasoning ({@code <think>…</think>} with text).
 */
public record RenderedExample(String text, List<CharSpan> trained, boolean addSpecialTokens, boolean reasoning) {
    public RenderedExample {
        trained = List.copyOf(trained);
    }

    public RenderedExample(String text, List<CharSpan> trained, boolean addSpecialTokens) {
        this(text, trained, addSpecialTokens, false);
    }

    /** The trained text, spans joined by {@code marker}s, for display. */
    public String trainedText() {
        StringBuilder sb = new StringBuilder();
        for (CharSpan s : trained) sb.append(text, s.start(), s.end());
        return sb.toString();
    }
}
