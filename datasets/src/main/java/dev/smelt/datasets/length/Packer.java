package dev.smelt.datasets.length;

import dev.smelt.datasets.tokenize.TokenizedExample;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Packs examples, in the order given, into rows of at most {@code seqLen} tokens (greedy: an example
 * that does not fit closes the current row). Each example becomes one segment with its own
 * positions starting at 0; the first label of every segment is -100 so the loss never predicts one
 * example's first token from the previous example.
 */
public final class Packer {
    private final int seqLen;
    private final Consumer<TrainingSequence> out;
    private final List<TokenizedExample> pending = new ArrayList<>();
    private int pendingTokens;

    public Packer(int seqLen, Consumer<TrainingSequence> out) {
        this.seqLen = seqLen;
        this.out = out;
    }

    /** Adds an example no longer than {@code seqLen}. */
    public void add(TokenizedExample example) {
        if (example.length() > seqLen) {
            throw new IllegalArgumentException("example of " + example.length() + " tokens exceeds seq-len " + seqLen);
        }
        if (pendingTokens + example.length() > seqLen) flush();
        pending.add(example);
        pendingTokens += example.length();
    }

    /** Emits the row being filled, if any. */
    public void flush() {
        if (pending.isEmpty()) return;
        out.accept(pack(pending));
        pending.clear();
        pendingTokens = 0;
    }

    public static TrainingSequence pack(List<TokenizedExample> examples) {
        int n = 0;
        for (TokenizedExample e : examples) n += e.length();
        int[] ids = new int[n];
        int[] labels = new int[n];
        int[] pos = new int[n];
        int[] seg = new int[n];
        int at = 0;
        int segment = 0;
        for (TokenizedExample e : examples) {
            segment++;
            System.arraycopy(e.inputIds(), 0, ids, at, e.length());
            System.arraycopy(e.labels(), 0, labels, at, e.length());
            labels[at] = TokenizedExample.IGNORE;
            for (int i = 0; i < e.length(); i++) {
                pos[at + i] = i;
                seg[at + i] = segment;
            }
            at += e.length();
        }
        return new TrainingSequence(ids, labels, pos, seg);
    }
}
