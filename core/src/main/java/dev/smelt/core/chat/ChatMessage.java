package dev.smelt.core.chat;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One turn of a conversation as chat templates see it: {@code {"role": ..., "content": ...}} plus any
 * extra fields a template reads, e.g. {@code reasoning_content} (Qwen3 / Qwen3.5 thinking),
 * {@code tool_calls} or {@code name}. {@code content} may be null (an assistant turn that only calls tools).
 */
public record ChatMessage(String role, String content, Map<String, Object> extra) {
    public static final String REASONING_CONTENT = "reasoning_content";

    public ChatMessage {
        Objects.requireNonNull(role, "role");
        if (extra == null || extra.isEmpty()) {
            extra = Map.of();
        } else {
            if (extra.containsKey("role") || extra.containsKey("content")) {
                throw new IllegalArgumentException("extra fields must not repeat \"role\" or \"content\"");
            }
            extra = Collections.unmodifiableMap(new LinkedHashMap<>(extra));
        }
    }

    public ChatMessage(String role, String content) {
        this(role, content, Map.of());
    }

    public static ChatMessage system(String content) {
        return new ChatMessage("system", content);
    }

    public static ChatMessage user(String content) {
        return new ChatMessage("user", content);
    }

    public static ChatMessage assistant(String content) {
        return new ChatMessage("assistant", content);
    }

    /** An assistant turn with its thinking kept apart, as Qwen3 templates expect in {@code reasoning_content}. */
    public static ChatMessage assistant(String content, String reasoningContent) {
        return new ChatMessage("assistant", content, Map.of(REASONING_CONTENT, reasoningContent));
    }

    /** A copy with one more (or a replaced) extra field. */
    public ChatMessage with(String key, Object value) {
        Map<String, Object> m = new LinkedHashMap<>(extra);
        m.put(key, value);
        return new ChatMessage(role, content, m);
    }

    /** The dict a template iterates over: role, content, then the extra fields in insertion order. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("role", role);
        m.put("content", content);
        m.putAll(extra);
        return m;
    }
}
