package dev.smelt.datasets.tokenize;

import dev.smelt.datasets.image.ImageRef;
import java.util.List;

/**
 * One rendered and tokenized row. {@code labels} follow the Hugging Face convention: same length as
 * {@code inputIds}, unshifted ({@code labels[t]} is {@code inputIds[t]} where token t is trained,
 * {@link #IGNORE} elsewhere); the trainer shifts by one when computing the loss. Label 0 is always
 * {@link #IGNORE}: no token of the example precedes it. {@code images} are the example's images in order: image i
 * occupies the i-th run of {@code images.get(i).tokens()} placeholder tokens (never trained).
 */
public record TokenizedExample(int[] inputIds, int[] labels, List<ImageRef> images) {
    public static final int IGNORE = -100;

    public TokenizedExample {
        if (inputIds.length != labels.length) {
            throw new IllegalArgumentException("inputIds and labels differ in length: " + inputIds.length + " vs " + labels.length);
        }
        images = List.copyOf(images);
    }

    public TokenizedExample(int[] inputIds, int[] labels) {
        this(inputIds, labels, List.of());
    }

    /** Tokens that stand for images. */
    public int imageTokens() {
        int n = 0;
        for (ImageRef r : images) n += r.tokens();
        return n;
    }

    public int length() {
        return inputIds.length;
    }

    public int trainedTokens() {
        int n = 0;
        for (int l : labels) if (l != IGNORE) n++;
        return n;
    }
}
