package dev.smelt.datasets.render;

import dev.smelt.datasets.format.Role;
import dev.smelt.datasets.format.Turn;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the empty reasoning block ({@code <think>\n\n</think>\n\n}) that thinking-model templates
 * (Qwen3, Qwen3.5) render for an answer given without reasoning. Its opening tag may sit in the
 * generation prompt (Qwen3.5 prompts end in {@code <think>\n}), so only the rest lies in the span.
 */
final class ThinkBlocks {
    private static final Pattern WHOLE = Pattern.compile("\\A\\s*<think>\\s*</think>\\n*");
    private static final Pattern CLOSING = Pattern.compile("\\A\\s*</think>\\n*");
    private static final Pattern OPEN_BEFORE = Pattern.compile("<think>\\s*\\z");

    private ThinkBlocks() {}

    /**
     * Whether an assistant message carries reasoning, read as the Qwen3/Qwen3.5 templates read it: the text before
     * the first {@code </think>}, after the last {@code <think>} there, is not blank.
     */
    static boolean hasReasoning(List<Turn> turns) {
        for (Turn t : turns) {
            int close = t.role() == Role.ASSISTANT ? t.content().indexOf("</think>") : -1;
            if (close < 0) continue;
            String before = t.content().substring(0, close);
            int open = before.lastIndexOf("<think>");
            if (!(open < 0 ? before : before.substring(open + "<think>".length())).isBlank()) return true;
        }
        return false;
    }

    /**
     * Length of the empty think block at the start of {@code span} within {@code text}, or 0 when the
     * span does not start with one.
     */
    static int emptyBlockAtStart(String text, CharSpan span) {
        CharSequence inside = text.subSequence(span.start(), span.end());
        Matcher whole = WHOLE.matcher(inside);
        if (whole.lookingAt()) return whole.end();
        Matcher closing = CLOSING.matcher(inside);
        if (closing.lookingAt()) {
            int from = Math.max(0, span.start() - 64);
            if (OPEN_BEFORE.matcher(text.subSequence(from, span.start())).find()) return closing.end();
        }
        return 0;
    }
}
