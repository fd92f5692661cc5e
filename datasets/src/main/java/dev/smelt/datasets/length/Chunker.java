package dev.smelt.datasets.length;

import dev.smelt.datasets.tokenize.TokenizedExample;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Continued pre-training windows, as Hugging Face's {@code group_texts} builds them: the tokenized documents
 * (each with the tokenizer's BOS where it adds one, and EOS at the end) are concatenated in order and cut into
 * windows of exactly {@code seqLen} tokens, a document running on into the next window where it does not fit.
 * Every token is trained except the first of each window, which nothing in the window precedes.
 *
 * <p>The final remainder shorter than {@code seqLen} is kept as one shorter window ({@code group_texts} drops
 * it): with little data it would otherwise lose every token, and the batchifier pads it like any short row. A
 * remainder of a single token trains nothing and is dropped.
 */
public final class Chunker {
    private final int seqLen;
    private final Consumer<TokenizedExample> sink;
    private final int[] window;
    private int fill;

    public Chunker(int seqLen, Consumer<TokenizedExample> sink) {
        if (seqLen < 2) throw new IllegalArgumentException("seq-len must be at least 2, got " + seqLen);
        this.seqLen = seqLen;
        this.sink = sink;
        this.window = new int[seqLen];
    }

    /** Appends a document's tokens; emits every window it completes. */
    public void add(TokenizedExample document) {
        int[] ids = document.inputIds();
        int at = 0;
        while (at < ids.length) {
            int n = Math.min(ids.length - at, seqLen - fill);
            System.arraycopy(ids, at, window, fill, n);
            fill += n;
            at += n;
            if (fill == seqLen) emit();
        }
    }

    /** Emits the final shorter window, if it trains anything. */
    public void finish() {
        if (fill >= 2) emit();
        fill = 0;
    }

    private void emit() {
        int[] ids = Arrays.copyOf(window, fill);
        int[] labels = ids.clone();
        labels[0] = TokenizedExample.IGNORE;
        fill = 0;
        sink.accept(new TokenizedExample(ids, labels));
    }
}
