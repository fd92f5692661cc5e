package dev.smelt.models.generate;

import ai.djl.ndarray.NDArray;
import java.util.Arrays;
import java.util.Collection;
import java.util.SplittableRandom;

/**
 * Picks a token from a row of logits. Greedy picks the first maximum (as argmax does). Sampling applies the
 * repetition penalty (transformers' rule: positive logits divided by it, negative ones multiplied), then
 * temperature, top-k and top-p, and draws from the renormalised distribution.
 */
public final class Sampler {
    private final SamplingParams params;
    private final SplittableRandom random;

    public Sampler(SamplingParams params) {
        this.params = params;
        this.random = params.seed() == null ? new SplittableRandom() : new SplittableRandom(params.seed());
    }

    /** Picks the next token; {@code logits} may be modified. {@code seen} are the ids the penalty applies to. */
    public int next(float[] logits, Collection<Integer> seen) {
        if (params.repetitionPenalty() != 1.0) {
            float r = (float) params.repetitionPenalty();
            for (int id : seen) {
                if (id < 0 || id >= logits.length) continue;
                logits[id] = logits[id] > 0 ? logits[id] / r : logits[id] * r;
            }
        }
        if (params.isGreedy()) return argmax(logits);
        return sample(logits);
    }

    /**
     * The greedy pick computed where the logits are ({@code argmax} over all elements, first maximum on ties, as
     * {@link #argmax(float[])}): one id comes back to the host instead of the vocabulary's row.
     */
    public static int argmax(NDArray logits) {
        try (NDArray i = logits.argMax()) {
            return (int) i.getLong();
        }
    }

    /** Whether {@code params} pick by argmax with nothing applied to the logits first (no penalty). */
    public static boolean argmaxOnly(SamplingParams params) {
        return params.isGreedy() && params.repetitionPenalty() == 1.0;
    }

    public static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) best = i;
        }
        return best;
    }

    private int sample(float[] logits) {
        int n = logits.length;
        double t = params.temperature();
        float max = logits[argmax(logits)];
        // Candidates sorted by logit, descending: keys pack the order-preserving bits of the logit with the index.
        int k = params.topK() > 0 ? Math.min(params.topK(), n) : n;
        long[] keys = new long[n];
        for (int i = 0; i < n; i++) keys[i] = ((long) sortableBits(logits[i]) << 32) | (0xffffffffL - i);
        Arrays.sort(keys);
        int[] order = new int[k];
        double[] probs = new double[k];
        double sum = 0;
        for (int j = 0; j < k; j++) {
            int id = (int) (0xffffffffL - (keys[n - 1 - j] & 0xffffffffL));
            order[j] = id;
            probs[j] = Math.exp((logits[id] - max) / t);
            sum += probs[j];
        }
        int keep = k;
        if (params.topP() < 1.0) {
            double cum = 0;
            for (int j = 0; j < k; j++) {
                cum += probs[j] / sum;
                if (cum >= params.topP()) {
                    keep = j + 1;
                    break;
                }
            }
        }
        double total = 0;
        for (int j = 0; j < keep; j++) total += probs[j];
        double u = random.nextDouble() * total;
        for (int j = 0; j < keep; j++) {
            u -= probs[j];
            if (u < 0) return order[j];
        }
        return order[keep - 1];
    }

    /** Maps a float to an int whose signed order matches the float order. */
    private static int sortableBits(float f) {
        int b = Float.floatToIntBits(f);
        return b >= 0 ? b : b ^ 0x7fffffff;
    }
}
