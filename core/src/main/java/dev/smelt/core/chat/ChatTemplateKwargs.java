package dev.smelt.core.chat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.smelt.core.SmeltException;
import dev.smelt.core.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Extra variables a chat template is rendered with, as transformers' {@code apply_chat_template(..., **kwargs)}
 * and the {@code chat_template_kwargs} of OpenAI-style servers pass them: {@code {"enable_thinking": false}}.
 *
 * <p>Training decides them from the data and records them beside the adapter ({@link #FILE}); {@code smelt
 * merge} bakes them into the merged model's template as defaults ({@link #asDefaultsOf}) and keeps the record, and
 * the GGUF export fixes them in {@code tokenizer.chat_template} ({@link #asFixedIn}), so every consumer of the model
 * renders the prompt the model was trained on without being told. Values are JSON values (booleans, numbers,
 * strings, lists, objects).
 */
public record ChatTemplateKwargs(Map<String, Object> values) {
    /** The adapter-side record: a JSON object of template variables. */
    public static final String FILE = "chat_template_kwargs.json";
    public static final ChatTemplateKwargs NONE = new ChatTemplateKwargs(Map.of());

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    public ChatTemplateKwargs {
        Map<String, Object> copy = new LinkedHashMap<>();
        values.forEach((k, v) -> { if (v != null) copy.put(k, v); });
        values = Collections.unmodifiableMap(copy);
    }

    public static ChatTemplateKwargs of(String name, Object value) {
        return new ChatTemplateKwargs(Map.of(name, value));
    }

    /**
     * Parses a JSON object such as {@code {"enable_thinking": true}}; {@code origin} names where the text came from
     * (a flag, a file) in the one-line error for anything else.
     */
    public static ChatTemplateKwargs parse(String json, String origin) {
        JsonNode node;
        try {
            node = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new SmeltException(origin + ": not valid JSON (" + e.getOriginalMessage().split("\n", 2)[0]
                    + "); expected an object such as {\"enable_thinking\": false}");
        }
        return fromJson(node, origin);
    }

    /** The kwargs recorded in {@code dir} ({@link #FILE}), or {@link #NONE} when the directory has none. */
    public static ChatTemplateKwargs read(Path dir) {
        Path file = dir.resolve(FILE);
        if (!Files.isRegularFile(file)) return NONE;
        try {
            return parse(Files.readString(file), file.toString());
        } catch (IOException e) {
            throw new SmeltException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    private static ChatTemplateKwargs fromJson(JsonNode node, String origin) {
        if (node == null || !node.isObject()) {
            String got = node == null || node.isMissingNode() ? "nothing" : node.getNodeType().toString().toLowerCase(Locale.ROOT);
            throw new SmeltException(origin + ": expected a JSON object of template variables such as"
                    + " {\"enable_thinking\": false}, got " + got);
        }
        Map<String, Object> values = JSON.convertValue(node, new TypeReference<LinkedHashMap<String, Object>>() {});
        for (String name : values.keySet()) {
            if (!IDENTIFIER.matcher(name).matches()) {
                throw new SmeltException(origin + ": \"" + name + "\" is not a template variable name (letters, digits, _)");
            }
        }
        return new ChatTemplateKwargs(values);
    }

    /** Writes {@link #FILE} into {@code dir} atomically. */
    public void write(Path dir) throws IOException {
        AtomicFiles.writeString(dir.resolve(FILE), JSON.writeValueAsString(values) + "\n");
    }

    public boolean isEmpty() {
        return values.isEmpty();
    }

    /** These values with {@code other}'s on top. */
    public ChatTemplateKwargs overriddenBy(ChatTemplateKwargs other) {
        if (other.isEmpty()) return this;
        Map<String, Object> merged = new LinkedHashMap<>(values);
        merged.putAll(other.values);
        return new ChatTemplateKwargs(merged);
    }

    /**
     * {@code jinjaSource} with these values as defaults: each variable is set at the top unless the caller passes
     * it ({@code {%- if enable_thinking is not defined %}{%- set enable_thinking = false %}{%- endif %}}). The
     * rendering is unchanged otherwise, in every Jinja engine (transformers' Jinja2, llama.cpp's minja,
     * @huggingface/jinja, Jinjava), and an explicit value still overrides the default.
     */
    public String asDefaultsOf(String jinjaSource) {
        StringBuilder b = new StringBuilder();
        values.forEach((name, value) -> b.append("{%- if ").append(name).append(" is not defined %}{%- set ").append(name)
                .append(" = ").append(literal(value)).append(" %}{%- endif %}"));
        return b + jinjaSource;
    }

    /**
     * {@code jinjaSource} with these values fixed: each variable is set at the top whatever the caller passes
     * ({@code {%- set enable_thinking = false %}}). For front ends that always pass a variable themselves, where a
     * default ({@link #asDefaultsOf}) never applies: llama.cpp's chat and node-llama-cpp's Jinja wrapper both pass
     * {@code enable_thinking=true} unless told otherwise.
     */
    public String asFixedIn(String jinjaSource) {
        StringBuilder b = new StringBuilder();
        values.forEach((name, value) -> b.append("{%- set ").append(name).append(" = ").append(literal(value)).append(" %}"));
        return b + jinjaSource;
    }

    /**
     * Rewrites the chat templates of a model directory with these values as defaults ({@link #asDefaultsOf}):
     * {@code chat_template.jinja}, and the {@code chat_template} of {@code tokenizer_config.json} and {@code
     * chat_template.json} (a string or every entry of a {@code [{name, template}]} list). Each file is replaced
     * atomically; nothing happens when there are no values.
     */
    public void bakeInto(Path modelDir) throws IOException {
        if (isEmpty()) return;
        Path jinja = modelDir.resolve(ChatTemplate.CHAT_TEMPLATE_FILE);
        if (Files.isRegularFile(jinja)) AtomicFiles.writeString(jinja, asDefaultsOf(Files.readString(jinja)));
        for (String name : List.of(ChatTemplate.TOKENIZER_CONFIG, ChatTemplate.CHAT_TEMPLATE_JSON)) {
            Path file = modelDir.resolve(name);
            if (!Files.isRegularFile(file)) continue;
            JsonNode config;
            try {
                config = JSON.readTree(file.toFile());
            } catch (JsonProcessingException e) {
                throw new SmeltException(file + ": not valid JSON (" + e.getOriginalMessage().split("\n", 2)[0] + ")", e);
            }
            JsonNode field = config.get("chat_template");
            if (!(config instanceof ObjectNode o) || field == null || field.isNull()) continue;
            if (field.isTextual()) {
                o.put("chat_template", asDefaultsOf(field.asText()));
            } else if (field.isArray()) {
                for (JsonNode entry : field) {
                    if (entry instanceof ObjectNode e && e.path("template").isTextual()) {
                        e.put("template", asDefaultsOf(e.get("template").asText()));
                    }
                }
            } else {
                continue;
            }
            AtomicFiles.writeString(file, JSON.writeValueAsString(o) + "\n");
        }
    }

    /** A Jinja literal for a JSON value. */
    static String literal(Object v) {
        if (v == null) return "none";
        if (v instanceof Boolean || v instanceof Number) return v.toString();
        if (v instanceof String s) {
            try {
                return JSON.writeValueAsString(s);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }
        if (v instanceof List<?> list) {
            StringBuilder b = new StringBuilder("[");
            for (int i = 0; i < list.size(); i++) b.append(i == 0 ? "" : ", ").append(literal(list.get(i)));
            return b.append(']').toString();
        }
        if (v instanceof Map<?, ?> map) {
            StringBuilder b = new StringBuilder("{");
            boolean first = true;
            for (Map.Entry<?, ?> e : map.entrySet()) {
                b.append(first ? "" : ", ").append(literal(String.valueOf(e.getKey()))).append(": ").append(literal(e.getValue()));
                first = false;
            }
            return b.append('}').toString();
        }
        throw new IllegalArgumentException("not a JSON value: " + v.getClass().getName());
    }
}
