package dev.smelt.datasets.render;

import dev.smelt.core.SmeltException;
import dev.smelt.core.chat.ChatMessage;
import dev.smelt.core.chat.ChatTemplate;
import dev.smelt.datasets.format.Role;
import dev.smelt.datasets.format.Sample;
import dev.smelt.datasets.format.Turn;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Renders samples with the model's chat template and finds the trained character spans.
 *
 * <p>The span of assistant turn i is found by rendering incrementally: {@code A} = the turns before
 * i with the generation prompt (exactly what the model is given before it answers), {@code B} = the
 * turns up to and including i. When the template is prefix-stable ({@code B} starts with {@code A}
 * and the full rendering starts with {@code B}), the turn's trained text is {@code B} minus {@code A}.
 * Templates that render a turn differently once later turns follow (Qwen3 drops the empty think
 * block from earlier answers) are handled by locating the turn in the full rendering: the longest
 * tail of the turn as rendered alone that the full rendering continues with. The span is then trimmed
 * of trailing whitespace, so it ends at the end-of-turn token ({@code <|im_end|>}), and the empty
 * think block of an answer without reasoning is left out unless {@code trainOnEmptyThinkBlock}.
 *
 * <p>Rows whose shape (sequence of roles) was seen before are usually rendered once: see {@link
 * Skeleton}. Thread-safe (chat templates are).
 */
public final class ChatRenderer {
    private static final int MAX_SKELETONS = 4096;
    private final ChatTemplate template;
    private final TrainOn trainOn;
    private final boolean trainOnEmptyThinkBlock;
    private final String eosToken;
    private final Map<List<Role>, Optional<Skeleton>> skeletons = new ConcurrentHashMap<>();

    /**
     * @param template the model's chat template, or null for a model without one (text data only)
     * @param eosToken appended to raw-text samples, so the model learns to stop; may be null
     */
    public ChatRenderer(ChatTemplate template, TrainOn trainOn, boolean trainOnEmptyThinkBlock, String eosToken) {
        this.template = template;
        this.trainOn = trainOn;
        this.trainOnEmptyThinkBlock = trainOnEmptyThinkBlock;
        this.eosToken = eosToken;
    }

    /** Whether conversations can be rendered (the model has a chat template). */
    public boolean hasTemplate() {
        return template != null;
    }

    /**
     * @throws SmeltException when the template rejects the conversation or renders it in a way no
     *     trained span can be derived from (the caller adds the row's location)
     */
    public RenderedExample render(Sample sample) {
        if (sample instanceof Sample.Text t) {
            String text = eosToken == null ? t.text() : t.text() + eosToken;
            return new RenderedExample(text, List.of(new CharSpan(0, text.length())), true);
        }
        Sample.Chat chat = withImagePlaceholders((Sample.Chat) sample);
        if (template == null) {
            throw new SmeltException("the model has no chat template (tokenizer_config.json \"chat_template\"), so"
                    + " conversations cannot be rendered; use --format text for raw text");
        }
        List<ChatMessage> messages = toMessages(chat.turns());
        String full = template.render(messages, false);
        boolean reasoning = ThinkBlocks.hasReasoning(chat.turns());
        if (trainOn == TrainOn.ALL) return new RenderedExample(full, List.of(new CharSpan(0, full.length())), false, reasoning);
        Skeleton skeleton = skeleton(chat.turns());
        if (skeleton != null) {
            List<CharSpan> spans = skeleton.spansFor(chat.turns(), full);
            if (spans != null) return new RenderedExample(full, spans, false, reasoning);
        }
        return new RenderedExample(full, incrementalSpans(chat.turns(), messages, full), false, reasoning);
    }

    /**
     * The conversation with each image part ({@link Turn#IMAGE}) replaced by what the chat template writes for an
     * image part of a content list (Qwen3.5: {@code <|vision_start|><|image_pad|><|vision_end|>}). The template renders
     * a list of parts as their concatenation, so a string holding that text renders exactly as the list would.
     */
    private Sample.Chat withImagePlaceholders(Sample.Chat chat) {
        boolean any = false;
        for (Turn t : chat.turns()) any |= !t.images().isEmpty();
        if (!any) return chat;
        String placeholder = imagePlaceholder();
        List<Turn> out = new ArrayList<>(chat.turns().size());
        for (Turn t : chat.turns()) {
            out.add(t.images().isEmpty() ? t
                    : new Turn(t.role(), t.content().replace(String.valueOf(Turn.IMAGE), placeholder), t.images()));
        }
        return new Sample.Chat(out);
    }

    private volatile String imagePlaceholder;

    /** What the template renders for one {@code {"type":"image"}} part, found by rendering a probe once. */
    String imagePlaceholder() {
        String p = imagePlaceholder;
        if (p != null) return p;
        if (template == null) {
            throw new SmeltException("the model has no chat template, so image parts cannot be rendered");
        }
        String before = "\uE000smelt-before\uE001", after = "\uE000smelt-after\uE001";
        List<Map<String, Object>> parts = List.of(Map.of("type", "text", "text", before),
                Map.of("type", "image", "image", "probe.png"), Map.of("type", "text", "text", after));
        String text;
        try {
            text = template.renderMaps(List.of(Map.of("role", "user", "content", parts)), true, Map.of());
        } catch (RuntimeException e) {
            throw new SmeltException("the model's chat template cannot render image parts (" + e.getMessage() + ")");
        }
        int a = text.indexOf(before), b = text.indexOf(after);
        if (a < 0 || b < a + before.length() || b == a + before.length()) {
            throw new SmeltException("the model's chat template writes nothing for an image part, so images cannot be trained with it");
        }
        p = text.substring(a + before.length(), b);
        imagePlaceholder = p;
        return p;
    }

    /** Renders without the skeleton shortcut: every row incrementally (for tests that compare both). */
    RenderedExample renderIncrementally(Sample.Chat chat) {
        chat = withImagePlaceholders(chat);
        List<ChatMessage> messages = toMessages(chat.turns());
        String full = template.render(messages, false);
        boolean reasoning = ThinkBlocks.hasReasoning(chat.turns());
        if (trainOn == TrainOn.ALL) return new RenderedExample(full, List.of(new CharSpan(0, full.length())), false, reasoning);
        return new RenderedExample(full, incrementalSpans(chat.turns(), messages, full), false, reasoning);
    }

    private List<CharSpan> incrementalSpans(List<Turn> turns, List<ChatMessage> messages, String full) {
        List<CharSpan> spans = new ArrayList<>();
        int last = lastAssistant(turns);
        for (int i = 0; i < messages.size(); i++) {
            if (turns.get(i).role() != Role.ASSISTANT) continue;
            if (trainOn == TrainOn.LAST_ASSISTANT && i != last) continue;
            spans.add(assistantSpan(messages, i, full));
        }
        return spans;
    }

    /** The skeleton for a conversation shape, computed on first use; null when the shape has none. */
    private Skeleton skeleton(List<Turn> turns) {
        List<Role> roles = new ArrayList<>(turns.size());
        for (Turn t : turns) roles.add(t.role());
        Optional<Skeleton> known = skeletons.get(roles);
        if (known != null) return known.orElse(null);
        if (skeletons.size() >= MAX_SKELETONS) return null;
        Optional<Skeleton> built = Optional.ofNullable(Skeleton.build(this, roles));
        skeletons.putIfAbsent(List.copyOf(roles), built);
        return built.orElse(null);
    }

    /**
     * The incremental spans of one conversation shape (a list of roles), derived once on a probe
     * conversation whose contents are unique placeholders. A row of that shape whose full rendering
     * equals the probe's with the placeholders replaced by its contents is rendered by the template
     * exactly as the probe was, contents inserted verbatim, so its spans are the probe's shifted by
     * the content lengths. Any other row (content the template rewrites, such as a reasoning block,
     * or a template whose layout depends on content) is rendered incrementally. This keeps the mask
     * derivation of {@link #assistantSpan} while rendering most rows once instead of twice per turn.
     */
    private record Skeleton(String text, int[] placeholderStart, int[] placeholderLength, List<CharSpan> spans) {
        static Skeleton build(ChatRenderer renderer, List<Role> roles) {
            List<Turn> probe = new ArrayList<>(roles.size());
            for (int i = 0; i < roles.size(); i++) probe.add(new Turn(roles.get(i), placeholder(i)));
            String text;
            List<CharSpan> spans;
            try {
                List<ChatMessage> messages = toMessages(probe);
                text = renderer.template.render(messages, false);
                spans = renderer.incrementalSpans(probe, messages, text);
            } catch (SmeltException e) {
                return null; // the template rejects this shape or its mask cannot be derived; rows go incremental
            }
            int[] start = new int[roles.size()];
            int[] length = new int[roles.size()];
            int from = 0;
            for (int i = 0; i < roles.size(); i++) {
                String p = placeholder(i);
                start[i] = text.indexOf(p, from);
                if (start[i] < 0 || text.indexOf(p, start[i] + 1) >= 0) return null; // dropped or repeated content
                length[i] = p.length();
                from = start[i] + p.length();
            }
            for (CharSpan s : spans) {
                for (int i = 0; i < start.length; i++) {
                    if (inside(s.start(), start[i], length[i]) || inside(s.end(), start[i], length[i])) return null;
                }
            }
            return new Skeleton(text, start, length, List.copyOf(spans));
        }

        private static boolean inside(int pos, int start, int length) {
            return pos > start && pos < start + length;
        }

        private static String placeholder(int i) {
            return "\uE000smelt" + i + "\uE001";
        }

        /** The spans for a row of this shape, or null when its rendering is not the probe's with contents inserted. */
        List<CharSpan> spansFor(List<Turn> turns, String full) {
            int expectedLength = text.length();
            for (int i = 0; i < turns.size(); i++) expectedLength += turns.get(i).content().length() - placeholderLength[i];
            if (expectedLength != full.length()) return null;
            int at = 0;
            int out = 0;
            for (int i = 0; i < turns.size(); i++) {
                int n = placeholderStart[i] - at;
                if (!full.regionMatches(out, text, at, n)) return null;
                out += n;
                String content = turns.get(i).content();
                if (!full.startsWith(content, out)) return null;
                out += content.length();
                at = placeholderStart[i] + placeholderLength[i];
            }
            if (!full.regionMatches(out, text, at, text.length() - at)) return null;
            List<CharSpan> mapped = new ArrayList<>(spans.size());
            for (CharSpan s : spans) mapped.add(new CharSpan(shift(s.start(), turns), shift(s.end(), turns)));
            return mapped;
        }

        private int shift(int pos, List<Turn> turns) {
            int shifted = pos;
            for (int i = 0; i < placeholderStart.length && placeholderStart[i] + placeholderLength[i] <= pos; i++) {
                shifted += turns.get(i).content().length() - placeholderLength[i];
            }
            return shifted;
        }
    }

    private CharSpan assistantSpan(List<ChatMessage> messages, int i, String full) {
        List<ChatMessage> before = messages.subList(0, i);
        String prompt = i == 0 ? "" : template.render(before, true);
        String upTo = i == messages.size() - 1 ? full : template.render(messages.subList(0, i + 1), false);
        if (upTo.startsWith(prompt) && full.startsWith(upTo)) {
            return finish(full, new CharSpan(prompt.length(), upTo.length()), i);
        }
        String plain = i == 0 ? "" : template.render(before, false);
        return located(full, plain, prompt, upTo, i);
    }

    /**
     * Finds turn i inside {@code full} when the template renders it differently in context. {@code
     * plain} is the conversation before the turn (must prefix {@code full}); {@code turn} = {@code
     * upTo} after {@code plain}. In {@code full} the turn is its common prefix with {@code turn}
     * followed by the longest tail of {@code turn} that {@code full} continues with; the text of
     * {@code turn} between them is what the template dropped.
     */
    private CharSpan located(String full, String plain, String prompt, String upTo, int i) {
        if (!full.startsWith(plain) || !upTo.startsWith(plain) || !prompt.startsWith(plain)) {
            throw notPrefixStable(i);
        }
        String turn = upTo.substring(plain.length());
        String rest = full.substring(plain.length());
        int common = commonPrefix(turn, rest);
        int keptTail = 0;
        for (int len = turn.length() - common; len > 0; len--) {
            if (rest.regionMatches(common, turn, turn.length() - len, len)) {
                keptTail = len;
                break;
            }
        }
        if (keptTail == 0 && common < turn.length()) throw notPrefixStable(i);
        int dropStart = common;
        int dropEnd = turn.length() - keptTail;
        int trainedFrom = prompt.length() - plain.length(); // offset in turn where the answer starts
        int startInRest;
        if (trainedFrom <= dropStart) startInRest = trainedFrom;
        else if (trainedFrom <= dropEnd) startInRest = dropStart;
        else startInRest = dropStart + (trainedFrom - dropEnd);
        int endInRest = dropStart + keptTail;
        return finish(full, new CharSpan(plain.length() + startInRest, plain.length() + endInRest), i);
    }

    private CharSpan finish(String full, CharSpan span, int i) {
        int end = span.end();
        while (end > span.start() && Character.isWhitespace(full.charAt(end - 1))) end--;
        int start = span.start();
        if (!trainOnEmptyThinkBlock) start += ThinkBlocks.emptyBlockAtStart(full, new CharSpan(start, end));
        if (start >= end) throw new SmeltException("assistant message " + i + " renders to no trainable text");
        return new CharSpan(start, end);
    }

    private static SmeltException notPrefixStable(int i) {
        return new SmeltException("the chat template renders assistant message " + i
                + " differently in context than alone; cannot derive the loss mask (use --train-on all)");
    }

    private static int commonPrefix(String a, String b) {
        int n = Math.min(a.length(), b.length());
        int i = 0;
        while (i < n && a.charAt(i) == b.charAt(i)) i++;
        return i;
    }

    private static int lastAssistant(List<Turn> turns) {
        for (int i = turns.size() - 1; i >= 0; i--) if (turns.get(i).role() == Role.ASSISTANT) return i;
        return -1;
    }

    public static List<ChatMessage> toMessages(List<Turn> turns) {
        List<ChatMessage> out = new ArrayList<>(turns.size());
        for (Turn t : turns) out.add(new ChatMessage(t.role().templateName(), t.content()));
        return out;
    }
}
