package dev.smelt.datasets.tokenize;

/**
 * One rendered and tokenized row. {@code labels} follow the Hugging Face convention: same length as
 * {@code inputIds}, unshifted ({@code labels[t]} is {@code inputIds[t]} where token t is trained,
 * {@link #IGNORE} elsewhere); the trainer shifts by one when computing the loss. Label 0 is always
 * {@link #IGNORE}: no token of the example precedes it.
 */
public record TokenizedExample(int[] inputIds, int[] labels) {
    public static final int IGNORE = -100;

    public TokenizedExample {
        if (inputIds.length != labels.length) {
            throw new IllegalArgumentException("inputIds and labels differ in length: " + inputIds.length + " vs " + labels.length);
        }
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
