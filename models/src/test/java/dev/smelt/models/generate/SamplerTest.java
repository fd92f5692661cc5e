package dev.smelt.models.generate;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

class SamplerTest {
    static final float[] LOGITS = {2.0f, 1.0f, 0.5f, -1.0f, 1.9f};

    static int[] counts(SamplingParams p, int draws) {
        Sampler s = new Sampler(p);
        int[] c = new int[LOGITS.length];
        for (int i = 0; i < draws; i++) c[s.next(LOGITS.clone(), List.of())]++;
        return c;
    }

    static SamplingParams sampling(double t, int k, double p, double rep, long seed) {
        return new SamplingParams(8, t, k, p, rep, seed, Set.of());
    }

    @Test
    void greedyTakesTheFirstMaximum() {
        assertThat(Sampler.argmax(new float[] {1, 3, 3, 2})).isEqualTo(1);
        assertThat(new Sampler(SamplingParams.greedy(4, List.of())).next(LOGITS.clone(), List.of())).isZero();
    }

    @Test
    void temperatureSamplingFollowsTheSoftmax() {
        int n = 40_000;
        int[] c = counts(sampling(1.0, 0, 1.0, 1.0, 1), n);
        double z = 0;
        for (float l : LOGITS) z += Math.exp(l);
        for (int i = 0; i < LOGITS.length; i++) {
            assertThat(c[i] / (double) n).as("token " + i).isCloseTo(Math.exp(LOGITS[i]) / z, Offset.offset(0.01));
        }
    }

    @Test
    void topKAndTopPKeepOnlyTheirCandidates() {
        int[] k2 = counts(sampling(1.0, 2, 1.0, 1.0, 2), 2000);
        assertThat(k2[0] + k2[4]).isEqualTo(2000);
        assertThat(k2[0]).isGreaterThan(0);
        assertThat(k2[4]).isGreaterThan(0);
        // softmax: p0 ≈ 0.36, p4 ≈ 0.33, p1 ≈ 0.13: top-p 0.6 keeps tokens 0 and 4 (cumulative 0.69)
        int[] p6 = counts(sampling(1.0, 0, 0.6, 1.0, 3), 2000);
        assertThat(p6[0] + p6[4]).isEqualTo(2000);
        // top-p below the first probability keeps just the best token
        int[] p1 = counts(sampling(1.0, 0, 0.1, 1.0, 4), 500);
        assertThat(p1[0]).isEqualTo(500);
    }

    @Test
    void repetitionPenaltyDemotesSeenTokens() {
        Sampler s = new Sampler(sampling(0, 0, 1.0, 1.5, 0));
        assertThat(s.next(LOGITS.clone(), List.of(0))).isEqualTo(4); // 2.0 / 1.5 < 1.9
        float[] negative = {-1f, -1.2f};
        assertThat(new Sampler(sampling(0, 0, 1.0, 1.5, 0)).next(negative, List.of(0))).isEqualTo(1); // -1.5 < -1.2
    }

    @Test
    void seedsMakeDrawsReproducible() {
        assertThat(counts(sampling(0.8, 0, 0.95, 1.0, 42), 300)).isEqualTo(counts(sampling(0.8, 0, 0.95, 1.0, 42), 300));
    }
}
