package dev.smelt.datasets.prepare;

import dev.smelt.datasets.length.Packer;
import dev.smelt.datasets.length.TrainingSequence;
import dev.smelt.datasets.tokenize.TokenizedExample;
import java.util.ArrayList;
import java.util.List;

/** Rows read from a {@link TokenStore}: one example each, or several packed, in a given order. */
final class StoredSequences implements SequenceSet {
    private final TokenStore store;
    private final int[] order;
    private final int[] rowStarts; // null when not packed
    private final long tokens;

    private StoredSequences(TokenStore store, int[] order, int[] rowStarts) {
        this.store = store;
        this.order = order;
        this.rowStarts = rowStarts;
        long t = 0;
        for (int i : order) t += store.length(i);
        this.tokens = t;
    }

    static StoredSequences single(TokenStore store, int[] order) {
        return new StoredSequences(store, order, null);
    }

    static StoredSequences packed(TokenStore store, int[] order, int seqLen) {
        int[] lengths = new int[order.length];
        for (int i = 0; i < order.length; i++) lengths[i] = store.length(order[i]);
        return new StoredSequences(store, order, Packer.plan(lengths, seqLen));
    }

    @Override
    public int size() {
        return rowStarts == null ? order.length : rowStarts.length - 1;
    }

    @Override
    public TrainingSequence get(int index) {
        if (rowStarts == null) return TrainingSequence.single(store.get(order[index]));
        List<TokenizedExample> examples = new ArrayList<>(rowStarts[index + 1] - rowStarts[index]);
        for (int k = rowStarts[index]; k < rowStarts[index + 1]; k++) examples.add(store.get(order[k]));
        return Packer.pack(examples);
    }

    @Override
    public long tokens() {
        return tokens;
    }
}
