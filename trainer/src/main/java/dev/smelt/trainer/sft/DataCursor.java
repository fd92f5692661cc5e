package dev.smelt.trainer.sft;

import dev.smelt.datasets.length.TrainingSequence;
import dev.smelt.datasets.split.SeededShuffle;
import java.util.ArrayList;
import java.util.List;

/**
 * The position in the training rows: epoch, and the next micro-batch within it. Each epoch visits the rows in an
 * order that is a function of the seed and the epoch, so a position is all a resumed run needs to continue.
 */
final class DataCursor {
    private final List<TrainingSequence> rows;
    private final int batchSize;
    private final long seed;
    private final int microPerEpoch;
    private int epoch;
    private int batchInEpoch;
    private int[] order;

    DataCursor(List<TrainingSequence> rows, int batchSize, long seed, int epoch, int batchInEpoch) {
        this.rows = rows;
        this.batchSize = batchSize;
        this.seed = seed;
        this.microPerEpoch = (rows.size() + batchSize - 1) / batchSize;
        this.epoch = epoch;
        this.batchInEpoch = batchInEpoch;
        this.order = order(epoch);
    }

    int epoch() {
        return epoch;
    }

    int batchInEpoch() {
        return batchInEpoch;
    }

    /** The micro-batches of the next optimizer step: up to {@code gradAccum}, never crossing the end of an epoch. */
    List<HostBatch> nextStep(int gradAccum) {
        if (batchInEpoch >= microPerEpoch) {
            epoch++;
            batchInEpoch = 0;
            order = order(epoch);
        }
        List<HostBatch> micro = new ArrayList<>();
        while (micro.size() < gradAccum && batchInEpoch < microPerEpoch) {
            micro.add(batch(batchInEpoch));
            batchInEpoch++;
        }
        return micro;
    }

    private HostBatch batch(int index) {
        List<TrainingSequence> picked = new ArrayList<>();
        int from = index * batchSize;
        int to = Math.min(order.length, from + batchSize);
        for (int i = from; i < to; i++) picked.add(rows.get(order[i]));
        return HostBatch.of(picked);
    }

    private int[] order(int epoch) {
        return SeededShuffle.permutation(rows.size(), seed * 1_000_003L + epoch);
    }
}
