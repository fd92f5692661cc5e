package dev.smelt.models.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import java.util.Arrays;

/**
 * Next-token statistics of a reference model and a candidate on the same chunks: at every position that has a next
 * token, the negative log-likelihood of that token under each (perplexity), KL(reference ‖ candidate) of the two
 * next-token distributions, and whether their most likely tokens agree. Feed one chunk at a time with {@link #add}.
 */
public final class LogitComparison {
    private double nllReference;
    private double nllCandidate;
    private long agree;
    private float[] kl = new float[1024];
    private int n;

    /** The summary so far. */
    public record Summary(long tokens, double perplexityReference, double perplexityCandidate, double meanKl,
            double p99Kl, double maxKl, double top1Agreement) {}

    /**
     * Adds one chunk: {@code reference} and {@code candidate} logits {@code [1, T, V]} for the tokens {@code ids}
     * (length T); positions 0..T-2 are scored against tokens 1..T-1.
     */
    public void add(NDArray reference, NDArray candidate, int[] ids) {
        int t = ids.length;
        long v = reference.getShape().get(reference.getShape().dimension() - 1);
        long[] next = new long[t - 1];
        for (int i = 1; i < t; i++) next[i - 1] = ids[i];
        NDArray targets = reference.getManager().create(next);
        NDArray lp = logProbs(reference, t, v);
        NDArray lq = logProbs(candidate, t, v);
        NDArray picks = targets.oneHot((int) v, DataType.FLOAT32);
        float[] nllP = lp.mul(picks).sum(new int[] {1}).toFloatArray();
        float[] nllQ = lq.mul(picks).sum(new int[] {1}).toFloatArray();
        float[] klRows = lp.exp().mul(lp.sub(lq)).sum(new int[] {1}).toFloatArray();
        long[] topP = lp.argMax(1).toLongArray();
        long[] topQ = lq.argMax(1).toLongArray();
        for (int i = 0; i < t - 1; i++) {
            nllReference -= nllP[i];
            nllCandidate -= nllQ[i];
            if (topP[i] == topQ[i]) agree++;
            if (n == kl.length) kl = Arrays.copyOf(kl, 2 * n);
            kl[n++] = Math.max(0f, klRows[i]); // rounding can make an exact match a hair negative
        }
    }

    private static NDArray logProbs(NDArray logits, int t, long v) {
        NDArray rows = logits.reshape(t, v).get(new NDIndex("0:{}", t - 1));
        return rows.toType(DataType.FLOAT32, false).logSoftmax(1);
    }

    public Summary summary() {
        if (n == 0) return new Summary(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        float[] sorted = Arrays.copyOf(kl, n);
        Arrays.sort(sorted);
        double sum = 0;
        for (int i = 0; i < n; i++) sum += sorted[i];
        int p99 = (int) Math.min(n - 1, Math.ceil(0.99 * n) - 1);
        return new Summary(n, Math.exp(nllReference / n), Math.exp(nllCandidate / n), sum / n, sorted[p99],
                sorted[n - 1], (double) agree / n);
    }
}
