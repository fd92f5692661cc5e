package dev.smelt.testkit.tiny;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.smelt.core.tiny.ByteLevel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A hand-made byte-level BPE {@code tokenizer.json} for tests: token id {@code b} is byte {@code b} (spelled with
 * GPT-2's byte alphabet, {@code core.tiny.ByteLevel}), then one id per merge, then the special tokens. Unlike
 * {@code core.tiny.TinyTokenizer} (trained, ids in ByteLevel's order) the ids are fixed, so a test can write prompts
 * as byte values. Pre-tokenization is a {@code Split} on the given regex then ByteLevel, or ByteLevel's own GPT-2
 * regex; post-processing prepends a BOS token when one is given.
 */
public final class ByteLevelTokenizer {
    private final List<String[]> merges = new ArrayList<>();
    private final List<String> specials = new ArrayList<>();
    private String splitRegex;
    private String bos;

    /** A tokenizer with the 256 byte tokens only. */
    public static ByteLevelTokenizer bytes() {
        return new ByteLevelTokenizer();
    }

    /** Adds a merge of two vocabulary entries (byte-level spelled, e.g. {@code "Ġ", "t"}); it gets the next id. */
    public ByteLevelTokenizer merge(String left, String right) {
        merges.add(new String[] {left, right});
        return this;
    }

    /** Special tokens, numbered after the bytes and merges in this order. */
    public ByteLevelTokenizer specials(String... tokens) {
        specials.addAll(List.of(tokens));
        return this;
    }

    /** Splits the text with this regex (isolated) before the byte-level step, as Llama 3 / Qwen tokenizers do. */
    public ByteLevelTokenizer splitRegex(String regex) {
        this.splitRegex = regex;
        return this;
    }

    /** A template post-processor that prepends this special token (which must be one of {@link #specials}). */
    public ByteLevelTokenizer bos(String token) {
        if (!specials.contains(token)) throw new IllegalArgumentException(token + " is not a special token");
        this.bos = token;
        return this;
    }

    /** The id of a special token. */
    public int id(String special) {
        int i = specials.indexOf(special);
        if (i < 0) throw new IllegalArgumentException(special + " is not a special token");
        return 256 + merges.size() + i;
    }

    /** The byte-level spelling of one byte, e.g. {@code 'Ġ'} for a space. */
    public static String spell(int b) {
        return String.valueOf(ByteLevel.charOf(b));
    }

    /** tokenizer.json, pretty-printed. */
    public String json() {
        ObjectMapper m = new ObjectMapper();
        ObjectNode root = m.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (String s : specials) {
            added.addObject().put("id", id(s)).put("content", s).put("single_word", false).put("lstrip", false)
                    .put("rstrip", false).put("normalized", false).put("special", true);
        }
        root.putNull("normalizer");
        if (splitRegex != null) {
            ObjectNode pre = root.putObject("pre_tokenizer");
            pre.put("type", "Sequence");
            ArrayNode pres = pre.putArray("pretokenizers");
            ObjectNode split = pres.addObject();
            split.put("type", "Split");
            split.putObject("pattern").put("Regex", splitRegex);
            split.put("behavior", "Isolated");
            split.put("invert", false);
            byteLevel(pres.addObject());
        } else {
            root.putObject("pre_tokenizer").put("type", "ByteLevel").put("add_prefix_space", false).put("trim_offsets", true)
                    .put("use_regex", true);
        }
        if (bos == null) {
            byteLevel(root.putObject("post_processor"));
        } else {
            ObjectNode post = root.putObject("post_processor");
            post.put("type", "TemplateProcessing");
            ArrayNode single = post.putArray("single");
            single.addObject().putObject("SpecialToken").put("id", bos).put("type_id", 0);
            single.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
            ArrayNode pair = post.putArray("pair");
            pair.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
            pair.addObject().putObject("Sequence").put("id", "B").put("type_id", 1);
            ObjectNode st = post.putObject("special_tokens").putObject(bos);
            st.put("id", bos);
            st.putArray("ids").add(id(bos));
            st.putArray("tokens").add(bos);
        }
        byteLevel(root.putObject("decoder"));
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        model.putNull("unk_token");
        model.put("continuing_subword_prefix", "");
        model.put("end_of_word_suffix", "");
        model.put("fuse_unk", false);
        model.put("byte_fallback", false);
        model.put("ignore_merges", false);
        ObjectNode vocab = model.putObject("vocab");
        for (int b = 0; b < 256; b++) vocab.put(spell(b), b);
        ArrayNode mg = model.putArray("merges");
        int id = 256;
        for (String[] pair : merges) {
            vocab.put(pair[0] + pair[1], id++);
            mg.add(pair[0] + " " + pair[1]);
        }
        try {
            return m.writerWithDefaultPrettyPrinter().writeValueAsString(root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void byteLevel(ObjectNode n) {
        n.put("type", "ByteLevel");
        n.put("add_prefix_space", false);
        n.put("trim_offsets", false);
        n.put("use_regex", false);
    }
}
