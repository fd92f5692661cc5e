package dev.smelt.core.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.interpret.Context;
import com.hubspot.jinjava.interpret.InterpretException;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import com.hubspot.jinjava.lib.tag.Tag;
import com.hubspot.jinjava.tree.Node;
import com.hubspot.jinjava.tree.TagNode;
import dev.smelt.core.SmeltException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import jinjava.javax.el.CompositeELResolver;

/**
 * A Hugging Face chat template (the Jinja2 text in {@code tokenizer_config.json} or {@code chat_template.jinja})
 * rendered the way transformers' {@code apply_chat_template(..., tokenize=False)} renders it: trim_blocks and
 * lstrip_blocks on, {@code raise_exception}, {@code strftime_now}, Python-style {@code tojson}, Python string
 * methods, {@code namespace()}, {@code loop.previtem}, step slices and so on. Instances are immutable and
 * thread-safe.
 */
public final class ChatTemplate {
    public static final String TOKENIZER_CONFIG = "tokenizer_config.json";
    public static final String CHAT_TEMPLATE_FILE = "chat_template.jinja";
    public static final String CHAT_TEMPLATE_JSON = "chat_template.json";
    /** Special-token fields of tokenizer_config.json that transformers exposes to templates. */
    public static final List<String> SPECIAL_TOKEN_KEYS = List.of(
            "bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token",
            "additional_special_tokens");

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Jinjava ENGINE = newEngine();

    private final String source;
    private final Node tree;
    private final Map<String, Object> specialTokens;

    private ChatTemplate(String source, Map<String, Object> specialTokens) {
        this.source = source;
        JinjaDialect.Translation translation = JinjaDialect.translate(source);
        for (String filter : translation.filters()) {
            if (ENGINE.getGlobalContext().getFilter(filter) == null) {
                throw new SmeltException("chat template uses an unknown filter \"" + filter + "\"");
            }
        }
        this.tree = parse(translation.source());
        this.specialTokens = Collections.unmodifiableMap(new LinkedHashMap<>(specialTokens));
    }

    /** Parsed once: rendering then only evaluates the tree (parsing is most of Jinjava's cost). */
    private static Node parse(String translated) {
        // A child of the engine's global context: Jinjava's newInterpreter() re-registers every filter and
        // tag per call, which costs ~3x the render itself on short chats.
        JinjavaInterpreter interpreter = new JinjavaInterpreter(ENGINE,
                new Context(ENGINE.getGlobalContext()), ENGINE.getGlobalConfig());
        JinjavaInterpreter.pushCurrent(interpreter);
        try {
            Node root = interpreter.parse(translated);
            throwOnFatal(interpreter.getErrorsCopy());
            return root;
        } catch (InterpretException e) {
            throw new SmeltException("chat template error at line " + e.getLineNumber() + ": " + e.getMessage(), e);
        } finally {
            JinjavaInterpreter.popCurrent();
        }
    }

    private static void throwOnFatal(List<TemplateError> errors) {
        for (TemplateError error : errors) {
            if (error.getSeverity() != TemplateError.ErrorType.FATAL) continue;
            String raised = raisedMessage(error.getException());
            if (raised != null) throw new SmeltException("chat template rejected the conversation: " + raised);
            throw new SmeltException("chat template error at line " + error.getLineno() + ": " + error.getMessage());
        }
    }

    /**
     * A template from its Jinja source; {@code specialTokens} become template variables
     * ({@code bos_token}, {@code eos_token}, ...). Entries with null values are left undefined, as
     * transformers does for unset tokens.
     */
    public static ChatTemplate of(String jinjaSource, Map<String, Object> specialTokens) {
        Objects.requireNonNull(jinjaSource, "jinjaSource");
        Map<String, Object> tokens = new LinkedHashMap<>();
        if (specialTokens != null) specialTokens.forEach((k, v) -> { if (v != null) tokens.put(k, v); });
        return new ChatTemplate(jinjaSource, tokens);
    }

    /** The model directory's default chat template (see {@link #fromModelDir(Path, String)}). */
    public static ChatTemplate fromModelDir(Path dir) {
        return fromModelDir(dir, "default");
    }

    /**
     * Loads the chat template of a Hugging Face model directory the way transformers does:
     * {@code chat_template.jinja} first, else the {@code chat_template} field of {@code tokenizer_config.json}
     * (a string, or a list of {@code {name, template}} of which {@code name} is chosen), else
     * {@code chat_template.json} (processor repos). Special tokens come from tokenizer_config.json.
     */
    public static ChatTemplate fromModelDir(Path dir, String name) {
        Path configFile = dir.resolve(TOKENIZER_CONFIG);
        JsonNode config = Files.isRegularFile(configFile) ? readJson(configFile) : JSON.createObjectNode();
        Map<String, Object> tokens = specialTokens(configFile, config);

        Path jinjaFile = dir.resolve(CHAT_TEMPLATE_FILE);
        if (Files.isRegularFile(jinjaFile) && name.equals("default")) {
            try {
                return new ChatTemplate(Files.readString(jinjaFile), tokens);
            } catch (IOException e) {
                throw new SmeltException(jinjaFile + ": cannot read (" + e.getMessage() + ")", e);
            }
        }
        JsonNode field = config.get("chat_template");
        String fieldSource = CHAT_TEMPLATE_JSON;
        if (field == null || field.isNull()) {
            Path jsonFile = dir.resolve(CHAT_TEMPLATE_JSON);
            if (Files.isRegularFile(jsonFile)) field = readJson(jsonFile).get("chat_template");
        } else {
            fieldSource = TOKENIZER_CONFIG;
        }
        if (field == null || field.isNull()) {
            throw new SmeltException(dir + ": no chat template (expected " + CHAT_TEMPLATE_FILE
                    + " or a \"chat_template\" field in " + TOKENIZER_CONFIG + ")");
        }
        Path origin = dir.resolve(fieldSource);
        if (field.isTextual()) {
            if (!name.equals("default")) {
                throw new SmeltException(origin + ": \"chat_template\" is a single template; there is no template named \"" + name + "\"");
            }
            return new ChatTemplate(field.asText(), tokens);
        }
        if (field.isArray()) {
            List<String> names = new ArrayList<>();
            for (JsonNode entry : field) {
                JsonNode n = entry.get("name");
                JsonNode t = entry.get("template");
                if (n == null || !n.isTextual() || t == null || !t.isTextual()) {
                    throw new SmeltException(origin + ": \"chat_template\" list entries must be {\"name\": string, \"template\": string}");
                }
                if (n.asText().equals(name)) return new ChatTemplate(t.asText(), tokens);
                names.add(n.asText());
            }
            throw new SmeltException(origin + ": \"chat_template\" has no template named \"" + name + "\" (found: "
                    + String.join(", ", names) + ")");
        }
        throw new SmeltException(origin + ": \"chat_template\" must be a string or a list of {name, template}, got "
                + field.getNodeType().toString().toLowerCase(Locale.ROOT));
    }

    /** Renders with only {@code messages}, {@code add_generation_prompt} and the special tokens defined. */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        return render(messages, addGenerationPrompt, Map.of());
    }

    /**
     * Renders {@code messages}; {@code extraVariables} adds template variables such as
     * {@code enable_thinking}, {@code tools}, {@code documents} or {@code add_vision_id}.
     */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt, Map<String, Object> extraVariables) {
        List<Map<String, Object>> maps = new ArrayList<>(messages.size());
        for (ChatMessage m : messages) maps.add(m.toMap());
        return renderMaps(maps, addGenerationPrompt, extraVariables);
    }

    /**
     * Renders messages given as JSON-like maps (lists of content parts, {@code tool_calls} objects, ...),
     * for callers that read conversations straight from a dataset.
     */
    public String renderMaps(List<? extends Map<String, ?>> messages, boolean addGenerationPrompt,
            Map<String, Object> extraVariables) {
        Map<String, Object> vars = new HashMap<>(specialTokens);
        if (extraVariables != null) extraVariables.forEach((k, v) -> { if (v != null) vars.put(k, v); });
        List<Map<String, Object>> copy = new ArrayList<>(messages.size());
        for (Map<String, ?> m : messages) copy.add(new LinkedHashMap<>(m));
        vars.put("messages", copy);
        vars.put("add_generation_prompt", addGenerationPrompt);
        // A child of the engine's global context: Jinjava's newInterpreter() re-registers every filter and
        // tag per call, which costs ~3x the render itself on short chats.
        JinjavaInterpreter interpreter = new JinjavaInterpreter(ENGINE,
                new Context(ENGINE.getGlobalContext()), ENGINE.getGlobalConfig());
        interpreter.getContext().putAll(vars);
        JinjavaInterpreter.pushCurrent(interpreter);
        String output;
        try {
            output = interpreter.render(tree);
        } catch (RuntimeException e) {
            String raised = raisedMessage(e);
            if (raised != null) throw new SmeltException("chat template rejected the conversation: " + raised, e);
            throw new SmeltException("chat template failed: " + e.getMessage(), e);
        } finally {
            JinjavaInterpreter.popCurrent();
        }
        throwOnFatal(interpreter.getErrorsCopy());
        return output;
    }

    /** The template text as the model ships it. */
    public String source() {
        return source;
    }

    /** The special tokens defined as template variables. */
    public Map<String, Object> specialTokens() {
        return specialTokens;
    }

    private static String raisedMessage(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof TemplateFunctions.TemplateRaised) return c.getMessage();
            if (c.getCause() == c) break;
        }
        return null;
    }

    private static JsonNode readJson(Path file) {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new SmeltException(file + ": not valid JSON (" + e.getMessage().split("\n", 2)[0] + ")", e);
        }
    }

    /** String tokens, AddedToken objects ({@code {"content": ...}}) and lists of them, as transformers reads them. */
    static Map<String, Object> specialTokens(Path file, JsonNode config) {
        Map<String, Object> tokens = new LinkedHashMap<>();
        for (String key : SPECIAL_TOKEN_KEYS) {
            JsonNode v = config.get(key);
            if (v == null || v.isNull()) continue;
            if (v.isArray()) {
                List<String> list = new ArrayList<>();
                for (JsonNode item : v) list.add(tokenText(file, key, item));
                tokens.put(key, list);
            } else {
                tokens.put(key, tokenText(file, key, v));
            }
        }
        return tokens;
    }

    private static String tokenText(Path file, String key, JsonNode v) {
        if (v.isTextual()) return v.asText();
        if (v.isObject() && v.path("content").isTextual()) return v.get("content").asText();
        throw new SmeltException(file + ": \"" + key + "\" must be a string or an object with \"content\"");
    }

    private static Jinjava newEngine() {
        CompositeELResolver resolver = new CompositeELResolver();
        resolver.add(new PyResolver());
        resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_ONLY);
        JinjavaConfig config = JinjavaConfig.newBuilder()
                .withTrimBlocks(false)
                .withLstripBlocks(false)
                .withNestedInterpretationEnabled(false)
                .withIterateOverMapKeys(true)
                .withEnableRecursiveMacroCalls(true)
                .withMaxMacroRecursionDepth(200)
                .withFailOnUnknownTokens(false)
                .withElResolver(resolver)
                .withLegacyOverrides(LegacyOverrides.newBuilder()
                        .withUseNaturalOperatorPrecedence(true)
                        .withUsePyishObjectMapper(true)
                        .withIterateOverMapKeys(true)
                        .withKeepNullableLoopValues(true)
                        .build())
                .build();
        Jinjava jinjava = new Jinjava(config);
        jinjava.registerTag(new PyForTag());
        jinjava.registerTag(new TransparentBlock("generation"));
        for (var f : PyFilters.all()) jinjava.registerFilter(f);
        try {
            jinjava.registerFunction(new ELFunctionDefinition("", "raise_exception",
                    TemplateFunctions.class.getMethod("raiseException", Object.class)));
            jinjava.registerFunction(new ELFunctionDefinition("", "strftime_now",
                    TemplateFunctions.class.getMethod("strftimeNow", String.class)));
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException(e);
        }
        return jinjava;
    }

    /** transformers' {@code {% generation %}} marker (assistant-token masks): renders its body unchanged. */
    private record TransparentBlock(String name) implements Tag {
        public String getName() {
            return name;
        }

        public String getEndTagName() {
            return "end" + name;
        }

        public String interpret(TagNode tagNode, JinjavaInterpreter interpreter) {
            StringBuilder b = new StringBuilder();
            for (var child : tagNode.getChildren()) b.append(child.render(interpreter).getValue());
            return b.toString();
        }
    }
}
