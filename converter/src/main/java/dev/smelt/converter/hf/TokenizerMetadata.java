package dev.smelt.converter.hf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.smelt.converter.gguf.GgufValue;
import dev.smelt.converter.gguf.GgufValueType;
import dev.smelt.converter.gguf.vocab.GgufKeys.Tokenizer;
import dev.smelt.core.SmeltException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code tokenizer.*} GGUF metadata from a Hugging Face byte-level BPE tokenizer (GPT-2, Llama 3 and Qwen
 * style): tokens padded to the model's vocab size with {@code [PADn]} UNUSED entries, token types (CONTROL
 * for special added tokens), merges, the llama.cpp pre-tokenizer name recognised from the tokenizer's split
 * regex, special token ids, add-BOS/EOS flags and the chat template.
 */
public final class TokenizerMetadata {
    /** llama.cpp token types. */
    public static final int NORMAL = 1, UNKNOWN = 2, CONTROL = 3, USER_DEFINED = 4, UNUSED = 5, BYTE = 6;

    // Split regexes as stored in tokenizer.json, keyed to the llama.cpp pre-tokenizer implementing them.
    static final String QWEN2_REGEX = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    static final String QWEN35_REGEX = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?[\\p{L}\\p{M}]+|\\p{N}| ?[^\\s\\p{L}\\p{M}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    static final String LLAMA3_REGEX = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    /** What a ByteLevel pre-tokenizer with {@code use_regex: true} applies (GPT-2's pattern). */
    static final String GPT2_REGEX = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

    static final Map<String, String> PRE_BY_REGEX = Map.of(
            QWEN2_REGEX, "qwen2",
            QWEN35_REGEX, "qwen35",
            LLAMA3_REGEX, "llama-bpe",
            GPT2_REGEX, "gpt-2");

    private static final ObjectMapper JSON = new ObjectMapper();

    private TokenizerMetadata() {}

    /**
     * @param preOverride a llama.cpp pre-tokenizer name to use instead of detecting it, or null
     */
    public static Map<String, GgufValue> build(Path tokenizerJson, JsonNode tokenizerConfig, Path chatTemplateFile,
            int vocabSize, Integer configBosId, List<Integer> configEosIds, String preOverride) {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readString(tokenizerJson));
        } catch (IOException e) {
            throw new SmeltException(tokenizerJson + ": invalid JSON: " + e.getMessage().lines().findFirst().orElse(""), e);
        }
        JsonNode model = root.path("model");
        String type = model.path("type").asText("");
        if (!type.equals("BPE")) {
            throw new SmeltException(tokenizerJson + ": model.type is \"" + type
                    + "\"; only byte-level BPE tokenizers (GPT-2, Llama 3, Qwen style) can be exported to GGUF");
        }
        if (!usesByteLevel(root)) {
            throw new SmeltException(tokenizerJson + ": the BPE tokenizer has no ByteLevel pre-tokenizer or decoder;"
                    + " only byte-level BPE tokenizers can be exported to GGUF");
        }
        JsonNode vocab = model.path("vocab");
        if (!vocab.isObject()) throw new SmeltException(tokenizerJson + ": model.vocab must be an object of token → id");

        Map<Integer, String> byId = new HashMap<>();
        vocab.fields().forEachRemaining(e -> byId.put(e.getValue().asInt(), e.getKey()));
        Map<Integer, Boolean> added = new HashMap<>(); // id → special
        for (JsonNode t : root.path("added_tokens")) {
            int id = t.path("id").asInt(-1);
            String content = t.path("content").asText(null);
            if (id < 0 || content == null) throw new SmeltException(tokenizerJson + ": added_tokens entry without id/content: " + t);
            byId.put(id, content);
            added.put(id, t.path("special").asBoolean(false));
        }
        int maxId = byId.keySet().stream().mapToInt(Integer::intValue).max().orElse(-1);
        if (maxId >= vocabSize) {
            throw new SmeltException(tokenizerJson + ": token id " + maxId + " (\"" + byId.get(maxId)
                    + "\") is outside the model's vocab_size " + vocabSize + " from config.json");
        }
        List<String> tokens = new ArrayList<>(vocabSize);
        int[] types = new int[vocabSize];
        for (int i = 0; i < vocabSize; i++) {
            String tok = byId.get(i);
            if (tok == null) {
                tokens.add("[PAD" + i + "]");
                types[i] = UNUSED;
            } else {
                tokens.add(tok);
                Boolean special = added.get(i);
                if (special == null) types[i] = NORMAL;
                else types[i] = special || looksSpecial(tok) ? CONTROL : USER_DEFINED;
            }
        }

        Map<String, GgufValue> m = new LinkedHashMap<>();
        m.put(Tokenizer.MODEL, GgufValue.of("gpt2"));
        m.put(Tokenizer.PRE, GgufValue.of(preOverride != null ? preOverride : detectPre(tokenizerJson, root)));
        m.put(Tokenizer.TOKENS, GgufValue.strings(tokens));
        m.put(Tokenizer.TOKEN_TYPE, GgufValue.int32s(types));
        m.put(Tokenizer.MERGES, GgufValue.strings(merges(tokenizerJson, model.path("merges"))));

        Map<String, Integer> idOf = new HashMap<>();
        byId.forEach((id, tok) -> idOf.putIfAbsent(tok, id));
        Integer bos = specialId(tokenizerConfig, "bos_token", idOf, configBosId);
        Integer eos = specialId(tokenizerConfig, "eos_token", idOf, configEosIds.isEmpty() ? null : configEosIds.get(0));
        Integer unk = specialId(tokenizerConfig, "unk_token", idOf, null);
        Integer pad = specialId(tokenizerConfig, "pad_token", idOf, null);
        if (bos != null) m.put(Tokenizer.BOS_ID, GgufValue.u32(bos));
        if (eos != null) m.put(Tokenizer.EOS_ID, GgufValue.u32(eos));
        if (unk != null) m.put(Tokenizer.UNK_ID, GgufValue.u32(unk));
        if (pad != null) m.put(Tokenizer.PAD_ID, GgufValue.u32(pad));
        m.put(Tokenizer.ADD_BOS, GgufValue.bool(addsSpecial(tokenizerConfig, root, "add_bos_token", bos, true)));
        m.put(Tokenizer.ADD_EOS, GgufValue.bool(addsSpecial(tokenizerConfig, root, "add_eos_token", eos, false)));
        chatTemplates(tokenizerConfig, chatTemplateFile).forEach(m::put);
        return m;
    }

    private static boolean usesByteLevel(JsonNode root) {
        return mentionsByteLevel(root.path("pre_tokenizer")) || mentionsByteLevel(root.path("decoder"));
    }

    private static boolean mentionsByteLevel(JsonNode n) {
        if (n.isMissingNode() || n.isNull()) return false;
        if ("ByteLevel".equals(n.path("type").asText())) return true;
        for (String k : List.of("pretokenizers", "decoders")) {
            for (JsonNode c : n.path(k)) if (mentionsByteLevel(c)) return true;
        }
        return false;
    }

    /** Recognises the llama.cpp pre-tokenizer from the split regex(es) the tokenizer applies before BPE. */
    static String detectPre(Path file, JsonNode root) {
        List<String> regexes = new ArrayList<>();
        collectRegexes(root.path("pre_tokenizer"), regexes);
        if (regexes.size() == 1) {
            String pre = PRE_BY_REGEX.get(regexes.get(0));
            if (pre != null) return pre;
        }
        throw new SmeltException(file + ": pre-tokenizer " + (regexes.isEmpty() ? "without a split regex"
                : "regex " + String.join(" + ", regexes)) + " matches none llama.cpp implements that Smelt knows"
                + " (qwen2, qwen35, llama-bpe, gpt-2); pass --tokenizer-pre NAME to choose one");
    }

    private static void collectRegexes(JsonNode n, List<String> out) {
        if (n.isMissingNode() || n.isNull()) return;
        String type = n.path("type").asText();
        if (type.equals("Split") && n.path("pattern").has("Regex")) out.add(n.path("pattern").path("Regex").asText());
        else if (type.equals("Split")) out.add("(literal " + n.path("pattern") + ")");
        else if (type.equals("ByteLevel") && n.path("use_regex").asBoolean(true)) out.add(GPT2_REGEX);
        for (JsonNode c : n.path("pretokenizers")) collectRegexes(c, out);
    }

    private static List<String> merges(Path file, JsonNode merges) {
        List<String> out = new ArrayList<>(merges.size());
        for (JsonNode mg : merges) {
            if (mg.isTextual()) out.add(mg.asText());
            else if (mg.isArray() && mg.size() == 2) out.add(mg.get(0).asText() + " " + mg.get(1).asText());
            else throw new SmeltException(file + ": model.merges entry " + mg + " is neither \"a b\" nor [a, b]");
        }
        return out;
    }

    /** HF's heuristic (also used by llama.cpp's converter) for added tokens that are special but not flagged. */
    static boolean looksSpecial(String tok) {
        return (tok.startsWith("<|") && tok.endsWith("|>")) || tok.equals("<pad>") || tok.equals("<mask>")
                || (tok.startsWith("<\uFF5C") && tok.endsWith("\uFF5C>"));
    }

    private static Integer specialId(JsonNode cfg, String key, Map<String, Integer> idOf, Integer fallback) {
        JsonNode v = cfg.path(key);
        String content = v.isTextual() ? v.asText() : v.isObject() ? v.path("content").asText(null) : null;
        if (content != null) {
            Integer id = idOf.get(content);
            if (id != null) return id;
        }
        return fallback;
    }

    /**
     * tokenizer_config.json's explicit flag wins; otherwise a TemplateProcessing post-processor that starts
     * (BOS) or ends (EOS) with the special token decides; otherwise {@code false}.
     */
    private static boolean addsSpecial(JsonNode cfg, JsonNode root, String key, Integer tokenId, boolean atStart) {
        JsonNode flag = cfg.path(key);
        if (flag.isBoolean()) return flag.asBoolean();
        if (tokenId == null) return false;
        JsonNode pp = root.path("post_processor");
        List<JsonNode> templates = new ArrayList<>();
        if ("TemplateProcessing".equals(pp.path("type").asText())) templates.add(pp);
        for (JsonNode p : pp.path("processors")) if ("TemplateProcessing".equals(p.path("type").asText())) templates.add(p);
        for (JsonNode t : templates) {
            JsonNode single = t.path("single");
            if (!single.isArray() || single.isEmpty()) continue;
            JsonNode edge = atStart ? single.get(0) : single.get(single.size() - 1);
            String id = edge.path("SpecialToken").path("id").asText(null);
            if (id != null) {
                JsonNode st = t.path("special_tokens").path(id).path("ids");
                if (st.isArray() && st.size() == 1 && st.get(0).asInt() == tokenId) return true;
            }
        }
        return false;
    }

    private static Map<String, GgufValue> chatTemplates(JsonNode cfg, Path chatTemplateFile) {
        Map<String, GgufValue> m = new LinkedHashMap<>();
        JsonNode t = cfg.path("chat_template");
        if (t.isTextual()) {
            m.put(Tokenizer.CHAT_TEMPLATE, GgufValue.of(t.asText()));
        } else if (t.isArray()) {
            List<GgufValue> names = new ArrayList<>();
            for (JsonNode e : t) {
                String name = e.path("name").asText("");
                String tpl = e.path("template").asText(null);
                if (tpl == null) continue;
                if (name.equals("default")) {
                    m.put(Tokenizer.CHAT_TEMPLATE, GgufValue.of(tpl));
                } else if (name.matches("[A-Za-z0-9_]+")) {
                    m.put(Tokenizer.CHAT_TEMPLATE_NAMED.of(name), GgufValue.of(tpl));
                    names.add(GgufValue.of(name));
                }
            }
            if (!names.isEmpty()) m.put(Tokenizer.CHAT_TEMPLATES, new GgufValue.Array(GgufValueType.STRING, names));
        }
        if (!m.containsKey(Tokenizer.CHAT_TEMPLATE) && chatTemplateFile != null && Files.isRegularFile(chatTemplateFile)) {
            try {
                m.put(Tokenizer.CHAT_TEMPLATE, GgufValue.of(Files.readString(chatTemplateFile)));
            } catch (IOException e) {
                throw new SmeltException(chatTemplateFile + ": cannot read: " + e.getMessage(), e);
            }
        }
        return m;
    }
}
