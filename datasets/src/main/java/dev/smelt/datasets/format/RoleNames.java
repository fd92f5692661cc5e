package dev.smelt.datasets.format;

import java.util.Locale;
import java.util.Map;

/** The role names a format accepts and the role each stands for. */
record RoleNames(Map<String, Role> names, String expected) {
    static final RoleNames OPENAI = new RoleNames(Map.of(
            "system", Role.SYSTEM, "user", Role.USER, "assistant", Role.ASSISTANT, "tool", Role.TOOL),
            "system, user, assistant or tool");

    /** ShareGPT's {@code from} values as seen in the wild, plus the OpenAI names. */
    static final RoleNames SHAREGPT = new RoleNames(Map.ofEntries(
            Map.entry("system", Role.SYSTEM),
            Map.entry("human", Role.USER), Map.entry("user", Role.USER),
            Map.entry("gpt", Role.ASSISTANT), Map.entry("assistant", Role.ASSISTANT),
            Map.entry("chatgpt", Role.ASSISTANT), Map.entry("bard", Role.ASSISTANT),
            Map.entry("bing", Role.ASSISTANT), Map.entry("model", Role.ASSISTANT),
            Map.entry("tool", Role.TOOL), Map.entry("function_response", Role.TOOL), Map.entry("observation", Role.TOOL)),
            "system, human, gpt, tool (or user, assistant)");

    Role resolve(String name) {
        return names.get(name.trim().toLowerCase(Locale.ROOT));
    }
}
