package dev.smelt.datasets.prepare;

import java.util.Arrays;

/** Token-count statistics (nearest-rank percentiles) over all examples. */
public record LengthStats(long count, int min, int median, int p95, int max, double mean, long total) {
    public static final LengthStats EMPTY = new LengthStats(0, 0, 0, 0, 0, 0, 0);

    /** Collects lengths; 4 bytes per example. */
    public static final class Collector {
        private int[] values = new int[1024];
        private int size;
        private long total;

        public void add(int length) {
            if (size == values.length) values = Arrays.copyOf(values, size * 2);
            values[size++] = length;
            total += length;
        }

        public LengthStats stats() {
            if (size == 0) return EMPTY;
            int[] sorted = Arrays.copyOf(values, size);
            Arrays.sort(sorted);
            return new LengthStats(size, sorted[0], rank(sorted, 0.5), rank(sorted, 0.95), sorted[size - 1],
                    (double) total / size, total);
        }

        private static int rank(int[] sorted, double q) {
            int idx = (int) Math.ceil(q * sorted.length) - 1;
            return sorted[Math.max(0, Math.min(sorted.length - 1, idx))];
        }
    }
}
