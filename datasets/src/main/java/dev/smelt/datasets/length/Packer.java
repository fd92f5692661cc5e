package dev.smelt.datasets.length;

import dev.smelt.datasets.image.ImageRef;
import dev.smelt.datasets.tokenize.TokenizedExample;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Packs examples, in the order given, into rows of at most {@code seqLen} tokens (greedy: an example
 * that does not fit closes the current row, so example order is kept). Each example becomes one
 * segment with positions restarting at 0; the first label of every segment is -100 so the loss never
 * predicts one example's first token from the previous example. Examples are never split, so an image's tokens stay
 * whole inside its example's segment; the row lists the images of its examples in order.
 */
public final class Packer {
    private Packer() {}

    /**
     * Plans rows for examples of the given lengths (in packing order). Returns row starts: row r
     * holds examples {@code [starts[r], starts[r+1])} of that order; the last entry is the count.
     */
    public static int[] plan(int[] lengths, int seqLen) {
        int[] starts = new int[lengths.length + 1];
        int rows = 0;
        int fill = 0;
        for (int i = 0; i < lengths.length; i++) {
            if (lengths[i] > seqLen) {
                throw new IllegalArgumentException("example " + i + " of " + lengths[i] + " tokens exceeds seq-len " + seqLen);
            }
            if (i == 0 || fill + lengths[i] > seqLen) {
                starts[rows++] = i;
                fill = 0;
            }
            fill += lengths[i];
        }
        starts[rows] = lengths.length;
        return Arrays.copyOf(starts, rows + 1);
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
        List<ImageRef> images = new ArrayList<>();
        for (TokenizedExample e : examples) {
            segment++;
            images.addAll(e.images());
            System.arraycopy(e.inputIds(), 0, ids, at, e.length());
            System.arraycopy(e.labels(), 0, labels, at, e.length());
            labels[at] = TokenizedExample.IGNORE;
            for (int i = 0; i < e.length(); i++) {
                pos[at + i] = i;
                seg[at + i] = segment;
            }
            at += e.length();
        }
        return new TrainingSequence(ids, labels, pos, seg, images);
    }
}
