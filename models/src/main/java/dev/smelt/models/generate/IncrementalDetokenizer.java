package dev.smelt.models.generate;

import java.util.ArrayList;
import java.util.List;

/**
 * Turns a stream of token ids into text pieces without splitting UTF-8 characters or losing the spaces that
 * SentencePiece-style decoders only produce in context: it decodes a short window of recent tokens twice (with
 * and without the newest ones) and emits the difference once it no longer ends in a replacement character.
 */
public final class IncrementalDetokenizer {
    private static final int CONTEXT_TOKENS = 6;
    private final GenerationTokenizer tokenizer;
    private final List<Long> ids = new ArrayList<>();
    private int prefixOffset;
    private int readOffset;

    /** {@code context}: the last prompt tokens, so the first piece decodes as it would mid-sequence. */
    public IncrementalDetokenizer(GenerationTokenizer tokenizer, long[] context) {
        this.tokenizer = tokenizer;
        int from = Math.max(0, context.length - CONTEXT_TOKENS);
        for (int i = from; i < context.length; i++) ids.add(context[i]);
        prefixOffset = 0;
        readOffset = ids.size();
    }

    /** Adds a token and returns the text it makes printable (possibly empty). */
    public String add(int tokenId) {
        ids.add((long) tokenId);
        String prefix = decode(prefixOffset, readOffset);
        String full = decode(prefixOffset, ids.size());
        if (full.length() > prefix.length() && !full.endsWith("\uFFFD") && full.startsWith(prefix)) {
            String piece = full.substring(prefix.length());
            prefixOffset = readOffset;
            readOffset = ids.size();
            return piece;
        }
        if (!full.startsWith(prefix) && !full.endsWith("\uFFFD")) {
            // The decoder rewrote earlier text (rare normalisations); emit only what is new by length.
            String piece = full.length() > prefix.length() ? full.substring(prefix.length()) : "";
            prefixOffset = readOffset;
            readOffset = ids.size();
            return piece;
        }
        return "";
    }

    /** Whatever is still held back at the end of generation (an incomplete character, decoded as is). */
    public String flush() {
        String prefix = decode(prefixOffset, readOffset);
        String full = decode(prefixOffset, ids.size());
        readOffset = prefixOffset = ids.size();
        return full.length() > prefix.length() ? full.substring(prefix.length()) : "";
    }

    private String decode(int from, int to) {
        if (from >= to) return "";
        long[] a = new long[to - from];
        for (int i = from; i < to; i++) a[i - from] = ids.get(i);
        return tokenizer.decode(a, true);
    }
}
