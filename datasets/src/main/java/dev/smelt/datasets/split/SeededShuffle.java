package dev.smelt.datasets.split;

import java.util.SplittableRandom;

/**
 * Deterministic permutations: the same seed and size give the same order on every JVM and machine
 * ({@link SplittableRandom} is specified bit for bit).
 */
public final class SeededShuffle {
    private SeededShuffle() {}

    public static int[] permutation(int size, long seed) {
        int[] p = new int[size];
        for (int i = 0; i < size; i++) p[i] = i;
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = size - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
