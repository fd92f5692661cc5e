package dev.smelt.datasets.length;

import dev.smelt.datasets.tokenize.TokenizedExample;
import java.util.Arrays;
import java.util.Optional;

/** Applies {@code --seq-len} and {@code --truncation drop|right} to one example. */
public record LengthPolicy(int seqLen, Truncation truncation) {
    public LengthPolicy {
        if (seqLen < 2) throw new IllegalArgumentException("seq-len must be at least 2, got " + seqLen);
        if (truncation == Truncation.CHUNK) throw new IllegalArgumentException("chunking spans examples: use Chunker");
    }

    /** The outcome for one example: kept as is, truncated, or dropped (with the reason). */
    public sealed interface Outcome {
        record Kept(TokenizedExample example) implements Outcome {}

        record Truncated(TokenizedExample example, int originalLength) implements Outcome {}

        record Dropped(String reason) implements Outcome {}
    }

    public Outcome apply(TokenizedExample ex) {
        if (ex.trainedTokens() == 0) return new Outcome.Dropped("no trained tokens");
        if (ex.length() <= seqLen) return new Outcome.Kept(ex);
        if (truncation == Truncation.DROP) return new Outcome.Dropped("longer than seq-len " + seqLen);
        // an image's tokens are never cut (the image would no longer fit its placeholders)
        if (!ex.images().isEmpty()) return new Outcome.Dropped("has images and is longer than seq-len " + seqLen);
        TokenizedExample cut = new TokenizedExample(Arrays.copyOf(ex.inputIds(), seqLen), Arrays.copyOf(ex.labels(), seqLen));
        if (cut.trainedTokens() == 0) return new Outcome.Dropped("no trained tokens within seq-len " + seqLen);
        return new Outcome.Truncated(cut, ex.length());
    }

    public Optional<TokenizedExample> kept(Outcome o) {
        if (o instanceof Outcome.Kept k) return Optional.of(k.example());
        if (o instanceof Outcome.Truncated t) return Optional.of(t.example());
        return Optional.empty();
    }
}
