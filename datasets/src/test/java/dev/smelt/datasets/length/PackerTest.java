package dev.smelt.datasets.length;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smelt.datasets.tokenize.TokenizedExample;
import java.util.List;
import org.junit.jupiter.api.Test;

class PackerTest {
    private static final int X = TokenizedExample.IGNORE;

    @Test
    void planIsGreedyInOrder() {
        assertThat(Packer.plan(new int[] {4, 3, 2, 5, 1}, 8)).containsExactly(0, 2, 5);
        assertThat(Packer.plan(new int[] {8, 8}, 8)).containsExactly(0, 1, 2);
        assertThat(Packer.plan(new int[0], 8)).containsExactly(0);
        assertThatThrownBy(() -> Packer.plan(new int[] {9}, 8)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void packedRowResetsPositionsNumbersSegmentsAndMasksBoundaries() {
        TokenizedExample a = new TokenizedExample(new int[] {10, 11, 12}, new int[] {X, 11, 12});
        TokenizedExample b = new TokenizedExample(new int[] {20, 21}, new int[] {20, 21});
        TrainingSequence s = Packer.pack(List.of(a, b));
        assertThat(s.inputIds()).containsExactly(10, 11, 12, 20, 21);
        assertThat(s.labels()).containsExactly(X, 11, 12, X, 21);
        assertThat(s.positionIds()).containsExactly(0, 1, 2, 0, 1);
        assertThat(s.segmentIds()).containsExactly(1, 1, 1, 2, 2);
        assertThat(s.segments()).isEqualTo(2);
        assertThat(s.boundaries()).containsExactly(0, 3, 5);
    }

    @Test
    void singleSequence() {
        TrainingSequence s = TrainingSequence.single(new TokenizedExample(new int[] {1, 2, 3}, new int[] {X, 2, 3}));
        assertThat(s.positionIds()).containsExactly(0, 1, 2);
        assertThat(s.segmentIds()).containsExactly(1, 1, 1);
        assertThat(s.boundaries()).containsExactly(0, 3);
    }

    @Test
    void lengthPolicy() {
        TokenizedExample ex = new TokenizedExample(new int[] {1, 2, 3, 4}, new int[] {X, X, 3, 4});
        assertThat(new LengthPolicy(4, Truncation.DROP).apply(ex)).isInstanceOf(LengthPolicy.Outcome.Kept.class);
        assertThat(new LengthPolicy(3, Truncation.DROP).apply(ex)).isInstanceOf(LengthPolicy.Outcome.Dropped.class);
        LengthPolicy.Outcome cut = new LengthPolicy(3, Truncation.RIGHT).apply(ex);
        assertThat(cut).isInstanceOf(LengthPolicy.Outcome.Truncated.class);
        assertThat(((LengthPolicy.Outcome.Truncated) cut).example().inputIds()).containsExactly(1, 2, 3);
        assertThat(((LengthPolicy.Outcome.Truncated) cut).originalLength()).isEqualTo(4);
        // truncation that leaves no trained token drops the example
        assertThat(new LengthPolicy(2, Truncation.RIGHT).apply(ex)).isInstanceOf(LengthPolicy.Outcome.Dropped.class);
    }
}
