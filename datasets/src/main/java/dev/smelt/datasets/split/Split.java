package dev.smelt.datasets.split;

import java.util.Arrays;

/**
 * A train/validation split of {@code size} examples, by seed: the examples are shuffled, the first
 * {@code round(size * fraction)} (at least one when the fraction is positive and there are two or
 * more examples) go to validation, the rest to training in shuffled order. Validation keeps file order.
 */
public record Split(int[] train, int[] validation) {
    public static Split of(int size, double valFraction, long seed) {
        if (valFraction < 0 || valFraction >= 1) throw new IllegalArgumentException("validation fraction must be in [0, 1): " + valFraction);
        int[] order = SeededShuffle.permutation(size, seed);
        int val = (int) Math.round(size * valFraction);
        if (valFraction > 0 && val == 0 && size >= 2) val = 1;
        int[] validation = Arrays.copyOfRange(order, 0, val);
        Arrays.sort(validation);
        return new Split(Arrays.copyOfRange(order, val, size), validation);
    }

    /** All examples for training, shuffled by seed; used when validation data comes from elsewhere. */
    public static Split shuffledOnly(int size, long seed) {
        return new Split(SeededShuffle.permutation(size, seed), new int[0]);
    }
}
