package dev.smelt.core.tiny;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.smelt.core.SmeltException;
import dev.smelt.core.io.AtomicFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real byte-level BPE tokenizer in Qwen2/Qwen3 layout, trained deterministically on a built-in corpus:
 * ids 0..255 are the byte characters, then one id per learned merge, then the added tokens
 * ({@link #ADDED_TOKENS}). Written as {@code tokenizer.json} (Hugging Face tokenizers format: BPE model,
 * Split(Qwen2 regex) + ByteLevel pre-tokenizer, ByteLevel decoder, no normalizer so any UTF-8 round-trips
 * exactly) and {@code tokenizer_config.json} ({@code Qwen2Tokenizer}, eos {@code <|im_end|>}, pad
 * {@code <|endoftext|>}, no bos). Training the same size twice gives the same tokenizer, and a smaller size's
 * vocabulary is a prefix of a larger one's.
 */
public final class TinyTokenizer {
    /** The pre-tokenizer regex of Qwen2/Qwen2.5/Qwen3/Qwen3.5 tokenizer.json (llama.cpp pre-type "qwen2"). */
    public static final String QWEN2_SPLIT_REGEX =
            "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    /** An entry of {@code added_tokens}; {@code special} as Qwen3 marks it (think/tool tags are not special). */
    public record AddedToken(String content, boolean special) {}

    public static final String END_OF_TEXT = "<|endoftext|>";
    public static final String IM_START = "<|im_start|>";
    public static final String IM_END = "<|im_end|>";

    /** Added after the BPE vocabulary, in this order, as Qwen3 / Qwen3.5 define them. */
    public static final List<AddedToken> ADDED_TOKENS = List.of(
            new AddedToken(END_OF_TEXT, true),
            new AddedToken(IM_START, true),
            new AddedToken(IM_END, true),
            new AddedToken("<|vision_start|>", true),
            new AddedToken("<|vision_end|>", true),
            new AddedToken("<|vision_pad|>", true),
            new AddedToken("<|image_pad|>", true),
            new AddedToken("<|video_pad|>", true),
            new AddedToken("<tool_call>", false),
            new AddedToken("</tool_call>", false),
            new AddedToken("<tool_response>", false),
            new AddedToken("</tool_response>", false),
            new AddedToken("<think>", false),
            new AddedToken("</think>", false));

    /** The smallest vocabulary: the 256 byte tokens plus the added tokens. */
    public static final int MIN_VOCAB = 256 + ADDED_TOKENS.size();
    /** Training stops here; larger model vocabularies keep the extra embedding rows unused, as Qwen's do. */
    public static final int MAX_TRAINED_VOCAB = 32_768;

    private static final Pattern SPLIT = Pattern.compile(QWEN2_SPLIT_REGEX, Pattern.UNICODE_CHARACTER_CLASS);
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final List<String> tokens; // id → token text (byte-level spelling or added token)
    private final List<String[]> merges;

    private TinyTokenizer(List<String> tokens, List<String[]> merges) {
        this.tokens = Collections.unmodifiableList(tokens);
        this.merges = Collections.unmodifiableList(merges);
    }

    /**
     * Trains a tokenizer with {@code min(vocabSize, MAX_TRAINED_VOCAB)} tokens in total (added tokens
     * included). The built-in corpus is extended with seeded pseudo-words when its own merges run out, so every
     * size up to the cap is reached exactly.
     */
    public static TinyTokenizer train(int vocabSize) {
        int size = Math.min(vocabSize, MAX_TRAINED_VOCAB);
        synchronized (CACHE) {
            TinyTokenizer cached = CACHE.get(size);
            if (cached != null) return cached;
        }
        TinyTokenizer trained = trainUncached(vocabSize);
        synchronized (CACHE) {
            CACHE.put(size, trained);
        }
        return trained;
    }

    /** Training is deterministic, so tests that write many tiny models share results (a few sizes at most). */
    private static final Map<Integer, TinyTokenizer> CACHE = new LinkedHashMap<>(8, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Integer, TinyTokenizer> eldest) {
            return size() > 4;
        }
    };

    static TinyTokenizer trainUncached(int vocabSize) {
        if (vocabSize < MIN_VOCAB) {
            throw new SmeltException("vocabulary size " + vocabSize + " is too small for a byte-level tokenizer (minimum "
                    + MIN_VOCAB + ": 256 byte tokens + " + ADDED_TOKENS.size() + " added tokens)");
        }
        int target = Math.min(vocabSize, MAX_TRAINED_VOCAB) - ADDED_TOKENS.size();
        Trainer t = new Trainer();
        t.addWords(pretokenize(corpus()));
        SplittableRandom rnd = new SplittableRandom(0x5E1F_70CE_11L);
        while (t.vocab.size() < target) {
            if (!t.mergeOnce()) t.addWords(pseudoWords(rnd, 4000));
        }
        List<String> tokens = new ArrayList<>(t.vocab);
        for (AddedToken a : ADDED_TOKENS) tokens.add(a.content());
        return new TinyTokenizer(tokens, t.mergeList);
    }

    /** Number of tokens (BPE vocabulary plus added tokens). */
    public int size() {
        return tokens.size();
    }

    /** Token text by id: byte-level spelling for BPE tokens, literal text for added tokens. */
    public String token(int id) {
        return tokens.get(id);
    }

    public int id(String token) {
        int i = tokens.indexOf(token);
        if (i < 0) throw new IllegalArgumentException("no token " + token);
        return i;
    }

    /** Merges in rank order, each {@code {left, right}}. */
    public List<String[]> merges() {
        return merges;
    }

    public int endOfTextId() {
        return id(END_OF_TEXT);
    }

    public int imStartId() {
        return id(IM_START);
    }

    public int imEndId() {
        return id(IM_END);
    }

    /** Writes {@code tokenizer.json} and {@code tokenizer_config.json} into {@code dir}. */
    public void writeTo(Path dir, String chatTemplate, int modelMaxLength) throws IOException {
        AtomicFiles.writeString(dir.resolve("tokenizer.json"), JSON.writeValueAsString(tokenizerJson()) + "\n");
        AtomicFiles.writeString(dir.resolve("tokenizer_config.json"),
                JSON.writeValueAsString(tokenizerConfigJson(chatTemplate, modelMaxLength)) + "\n");
    }

    /** The Hugging Face tokenizers document. */
    public ObjectNode tokenizerJson() {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode root = f.objectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        int firstAdded = tokens.size() - ADDED_TOKENS.size();
        for (int i = 0; i < ADDED_TOKENS.size(); i++) {
            AddedToken a = ADDED_TOKENS.get(i);
            ObjectNode o = added.addObject();
            o.put("id", firstAdded + i);
            o.put("content", a.content());
            o.put("single_word", false);
            o.put("lstrip", false);
            o.put("rstrip", false);
            o.put("normalized", false);
            o.put("special", a.special());
        }
        root.putNull("normalizer");
        ObjectNode pre = root.putObject("pre_tokenizer");
        pre.put("type", "Sequence");
        ArrayNode seq = pre.putArray("pretokenizers");
        ObjectNode split = seq.addObject();
        split.put("type", "Split");
        split.putObject("pattern").put("Regex", QWEN2_SPLIT_REGEX);
        split.put("behavior", "Isolated");
        split.put("invert", false);
        seq.add(byteLevel(f));
        root.set("post_processor", byteLevel(f));
        root.set("decoder", byteLevel(f));
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
        for (int i = 0; i < firstAdded; i++) vocab.put(tokens.get(i), i);
        ArrayNode m = model.putArray("merges");
        for (String[] pair : merges) m.add(pair[0] + " " + pair[1]);
        return root;
    }

    private static ObjectNode byteLevel(JsonNodeFactory f) {
        ObjectNode o = f.objectNode();
        o.put("type", "ByteLevel");
        o.put("add_prefix_space", false);
        o.put("trim_offsets", false);
        o.put("use_regex", false);
        return o;
    }

    /** tokenizer_config.json as Qwen ships it, with {@code chatTemplate} (null: none). */
    public ObjectNode tokenizerConfigJson(String chatTemplate, int modelMaxLength) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("add_bos_token", false);
        o.put("add_prefix_space", false);
        ObjectNode decoder = o.putObject("added_tokens_decoder");
        int firstAdded = tokens.size() - ADDED_TOKENS.size();
        for (int i = 0; i < ADDED_TOKENS.size(); i++) {
            AddedToken a = ADDED_TOKENS.get(i);
            ObjectNode t = decoder.putObject(Integer.toString(firstAdded + i));
            t.put("content", a.content());
            t.put("lstrip", false);
            t.put("normalized", false);
            t.put("rstrip", false);
            t.put("single_word", false);
            t.put("special", a.special());
        }
        ArrayNode extra = o.putArray("additional_special_tokens");
        for (AddedToken a : ADDED_TOKENS) {
            if (a.special() && !a.content().equals(END_OF_TEXT)) extra.add(a.content());
        }
        o.putNull("bos_token");
        if (chatTemplate != null) o.put("chat_template", chatTemplate);
        o.put("clean_up_tokenization_spaces", false);
        o.put("eos_token", IM_END);
        o.put("errors", "replace");
        o.put("model_max_length", modelMaxLength);
        o.put("pad_token", END_OF_TEXT);
        o.put("split_special_tokens", false);
        o.put("tokenizer_class", "Qwen2Tokenizer");
        o.putNull("unk_token");
        return o;
    }

    // ------------------------------------------------------------------ training

    static String corpus() {
        try (InputStream in = TinyTokenizer.class.getResourceAsStream("corpus.txt")) {
            if (in == null) throw new IllegalStateException("corpus.txt missing from the smelt-core jar");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Word counts after the Qwen2 split, each word spelled in byte-level characters; sorted for determinism. */
    static Map<String, Integer> pretokenize(String text) {
        Map<String, Integer> counts = new TreeMap<>();
        Matcher m = SPLIT.matcher(text);
        while (m.find()) {
            String word = ByteLevel.encode(m.group().getBytes(StandardCharsets.UTF_8));
            counts.merge(word, 1, Integer::sum);
        }
        return counts;
    }

    private static final String[] ONSETS = {"b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t",
        "v", "w", "z", "br", "ch", "cl", "dr", "fl", "gr", "pl", "pr", "sh", "st", "th", "tr", ""};
    private static final String[] NUCLEI = {"a", "e", "i", "o", "u", "ai", "ea", "ee", "ie", "oo", "ou", "y"};
    private static final String[] CODAS = {"", "", "", "n", "r", "s", "t", "l", "m", "nd", "ng", "st", "ck"};

    /** Seeded pronounceable pseudo-words (with Qwen-style leading spaces) for vocabularies beyond the corpus. */
    static Map<String, Integer> pseudoWords(SplittableRandom rnd, int n) {
        Map<String, Integer> counts = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            StringBuilder w = new StringBuilder();
            if (rnd.nextInt(10) < 7) w.append(' ');
            int syllables = 1 + rnd.nextInt(4);
            for (int s = 0; s < syllables; s++) {
                w.append(ONSETS[rnd.nextInt(ONSETS.length)]).append(NUCLEI[rnd.nextInt(NUCLEI.length)])
                        .append(CODAS[rnd.nextInt(CODAS.length)]);
            }
            if (rnd.nextInt(10) == 0) {
                int first = w.charAt(0) == ' ' ? 1 : 0;
                w.setCharAt(first, Character.toUpperCase(w.charAt(first)));
            }
            counts.merge(ByteLevel.encode(w.toString().getBytes(StandardCharsets.UTF_8)), 1 + rnd.nextInt(3), Integer::sum);
        }
        return counts;
    }

    /**
     * Classic BPE training with incremental pair counts: repeatedly merge the most frequent adjacent pair
     * (ties: lower left id, then lower right id).
     */
    private static final class Trainer {
        final List<String> vocab = new ArrayList<>();
        final Map<String, Integer> ids = new HashMap<>();
        final List<String[]> mergeList = new ArrayList<>();
        final Map<Long, Integer> mergeRank = new HashMap<>();
        final Map<Long, Integer> mergeResult = new HashMap<>();
        final List<int[]> words = new ArrayList<>();
        final List<Integer> freqs = new ArrayList<>();
        final Map<Long, Long> pairCounts = new HashMap<>();
        final Map<Long, Set<Integer>> pairWords = new HashMap<>();
        final PriorityQueue<long[]> queue = new PriorityQueue<>((x, y) -> {
            if (x[0] != y[0]) return Long.compare(y[0], x[0]);
            return Long.compare(x[1], y[1]);
        });

        Trainer() {
            for (int i = 0; i < 256; i++) {
                String t = String.valueOf(ByteLevel.charOf(ByteLevel.byteAtId(i)));
                ids.put(t, vocab.size());
                vocab.add(t);
            }
        }

        static long key(int a, int b) {
            return ((long) a << 32) | (b & 0xffffffffL);
        }

        void addWords(Map<String, Integer> counts) {
            for (Map.Entry<String, Integer> e : counts.entrySet()) {
                String w = e.getKey();
                int[] symbols = new int[w.length()];
                for (int i = 0; i < w.length(); i++) symbols[i] = ids.get(String.valueOf(w.charAt(i)));
                symbols = applyMerges(symbols);
                int index = words.size();
                words.add(symbols);
                freqs.add(e.getValue());
                countPairs(index, symbols, e.getValue());
            }
        }

        /** Segments a new word with the merges learned so far, lowest rank first, as BPE encoding does. */
        int[] applyMerges(int[] symbols) {
            List<Integer> s = new ArrayList<>();
            for (int x : symbols) s.add(x);
            while (s.size() > 1) {
                int best = -1;
                int bestRank = Integer.MAX_VALUE;
                for (int i = 0; i + 1 < s.size(); i++) {
                    Integer r = mergeRank.get(key(s.get(i), s.get(i + 1)));
                    if (r != null && r < bestRank) {
                        bestRank = r;
                        best = i;
                    }
                }
                if (best < 0) break;
                s.set(best, mergeResult.get(key(s.get(best), s.get(best + 1))));
                s.remove(best + 1);
            }
            return s.stream().mapToInt(Integer::intValue).toArray();
        }

        void countPairs(int index, int[] symbols, long sign) {
            Set<Long> touched = new HashSet<>();
            for (int i = 0; i + 1 < symbols.length; i++) {
                long k = key(symbols[i], symbols[i + 1]);
                pairCounts.merge(k, sign, Long::sum);
                if (sign > 0) pairWords.computeIfAbsent(k, x -> new HashSet<>()).add(index);
                touched.add(k);
            }
            for (long k : touched) {
                long c = pairCounts.getOrDefault(k, 0L);
                if (c > 0) queue.add(new long[] {c, k});
            }
        }

        /** Performs one merge; false when no adjacent pair is left. */
        boolean mergeOnce() {
            while (!queue.isEmpty()) {
                long[] top = queue.poll();
                long current = pairCounts.getOrDefault(top[1], 0L);
                if (current != top[0] || current <= 0) continue; // stale entry
                merge(top[1]);
                return true;
            }
            return false;
        }

        private void merge(long pair) {
            int a = (int) (pair >>> 32);
            int b = (int) pair;
            String text = vocab.get(a) + vocab.get(b);
            Integer result = ids.get(text);
            if (result == null) {
                result = vocab.size();
                ids.put(text, result);
                vocab.add(text);
            }
            mergeRank.put(pair, mergeList.size());
            mergeResult.put(pair, result);
            mergeList.add(new String[] {vocab.get(a), vocab.get(b)});
            List<Integer> affected = new ArrayList<>(pairWords.remove(pair));
            Collections.sort(affected);
            for (int w : affected) {
                int[] old = words.get(w);
                int[] merged = replacePair(old, a, b, result);
                if (merged.length == old.length) continue;
                int f = freqs.get(w);
                countPairs(w, old, -f);
                words.set(w, merged);
                countPairs(w, merged, f);
            }
            pairCounts.remove(pair);
        }

        private static int[] replacePair(int[] s, int a, int b, int c) {
            int[] out = new int[s.length];
            int n = 0;
            for (int i = 0; i < s.length; i++) {
                if (i + 1 < s.length && s[i] == a && s[i + 1] == b) {
                    out[n++] = c;
                    i++;
                } else {
                    out[n++] = s[i];
                }
            }
            return Arrays.copyOf(out, n);
        }
    }

    /** The vocabulary as token → id (BPE tokens and added tokens). */
    public Map<String, Integer> vocab() {
        Map<String, Integer> m = new LinkedHashMap<>();
        for (int i = 0; i < tokens.size(); i++) m.put(tokens.get(i), i);
        return m;
    }
}
