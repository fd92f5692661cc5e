package dev.smelt.trainer.sft;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.smelt.datasets.length.TrainingSequence;
import dev.smelt.datasets.tokenize.TokenizedExample;
import java.util.Arrays;
import java.util.List;

/**
 * Rows of a micro-batch padded to the longest row, on the host: input ids, positions, segment ids
 * (padding -1, the model's convention) and next-token targets (label i+1 at position i; -100 where
 * nothing is trained, at padding and at each row's last position).
 */
record HostBatch(int rows, int length, long[] ids, long[] positions, long[] segments, long[] targets, int trainedTokens,
        int realTokens) {

    static HostBatch of(List<TrainingSequence> seqs) {
        int rows = seqs.size();
        int len = 0;
        for (TrainingSequence s : seqs) len = Math.max(len, s.length());
        long[] ids = new long[rows * len];
        long[] pos = new long[rows * len];
        long[] seg = new long[rows * len];
        long[] tgt = new long[rows * len];
        Arrays.fill(seg, -1);
        Arrays.fill(tgt, TokenizedExample.IGNORE);
        int trained = 0;
        int real = 0;
        for (int r = 0; r < rows; r++) {
            TrainingSequence s = seqs.get(r);
            int base = r * len;
            for (int i = 0; i < s.length(); i++) {
                ids[base + i] = s.inputIds()[i];
                pos[base + i] = s.positionIds()[i];
                seg[base + i] = s.segmentIds()[i];
                if (i + 1 < s.length()) {
                    int next = s.labels()[i + 1];
                    boolean sameSegment = s.segmentIds()[i + 1] == s.segmentIds()[i];
                    if (next != TokenizedExample.IGNORE && sameSegment) {
                        tgt[base + i] = next;
                        trained++;
                    }
                }
            }
            real += s.length();
        }
        return new HostBatch(rows, len, ids, pos, seg, tgt, trained, real);
    }

    /** Rows [from, to) as its own batch (for splitting across devices). */
    HostBatch slice(int from, int to) {
        int n = to - from;
        int a = from * length;
        int b = to * length;
        long[] t = Arrays.copyOfRange(targets, a, b);
        int trained = 0;
        for (long v : t) if (v != TokenizedExample.IGNORE) trained++;
        int real = 0;
        long[] s = Arrays.copyOfRange(segments, a, b);
        for (long v : s) if (v != -1) real++;
        return new HostBatch(n, length, Arrays.copyOfRange(ids, a, b), Arrays.copyOfRange(positions, a, b),
                s, t, trained, real);
    }

    NDArray idsOn(NDManager m, Device d) {
        return owned(m.create(ids, new Shape(rows, length)), d);
    }

    NDArray positionsOn(NDManager m, Device d) {
        return owned(m.create(positions, new Shape(rows, length)), d);
    }

    NDArray segmentsOn(NDManager m, Device d) {
        return owned(m.create(segments, new Shape(rows, length)), d);
    }

    NDArray targetsOn(NDManager m, Device d) {
        return owned(m.create(targets, new Shape(rows, length)), d);
    }

    /** A torch-owned copy on {@code d}: arrays made from Java buffers may alias them while autograd holds them. */
    private static NDArray owned(NDArray host, Device d) {
        NDArray out = d.equals(host.getDevice()) ? host.duplicate() : host.toDevice(d, true);
        host.close();
        return out;
    }
}
