package dev.smelt.datasets.prepare;

import dev.smelt.datasets.length.TrainingSequence;

/** Training rows with random access, in training order (shuffled by seed). Thread-safe. */
public interface SequenceSet {
    int size();

    TrainingSequence get(int index);

    /** Tokens over all rows. */
    long tokens();
}
