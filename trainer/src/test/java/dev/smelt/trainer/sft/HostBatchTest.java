package dev.smelt.trainer.sft;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.smelt.datasets.image.ImageRef;
import dev.smelt.datasets.length.Packer;
import dev.smelt.datasets.length.TrainingSequence;
import dev.smelt.datasets.tokenize.TokenizedExample;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

class HostBatchTest {
    @Test
    void targetsAreNextLabelsWithinASegmentAndPaddingIsMasked() {
        TokenizedExample a = new TokenizedExample(new int[] {1, 2, 3}, new int[] {-100, 2, 3});
        TokenizedExample b = new TokenizedExample(new int[] {4, 5}, new int[] {-100, 5});
        TrainingSequence packed = Packer.pack(List.of(a, b));
        TrainingSequence single = TrainingSequence.single(new TokenizedExample(new int[] {7, 8}, new int[] {7, 8}));
        HostBatch hb = HostBatch.of(List.of(packed, single));
        assertThat(hb.length()).isEqualTo(5);
        assertThat(hb.targets()).containsExactly(2, 3, -100, 5, -100, 8, -100, -100, -100, -100);
        assertThat(hb.segments()).containsExactly(1, 1, 1, 2, 2, 1, 1, -1, -1, -1);
        assertThat(hb.positions()).containsExactly(0, 1, 2, 0, 1, 0, 1, 0, 0, 0);
        assertThat(hb.trainedTokens()).isEqualTo(4);
        assertThat(hb.slice(1, 2).trainedTokens()).isEqualTo(1);
    }

    @Test
    void multimodalPositionsRestartPerPackedExampleAndFollowEachImageGrid() {
        int pad = 9;
        // example a: text, a 2x3 image, text; example b: text, a 2x2 image
        TokenizedExample a = new TokenizedExample(new int[] {1, 2, pad, pad, pad, pad, pad, pad, 3, 4},
                new int[] {-100, -100, -100, -100, -100, -100, -100, -100, 3, 4},
                List.of(new ImageRef(Path.of("a.png"), 2, 3)));
        TokenizedExample b = new TokenizedExample(new int[] {5, pad, pad, pad, pad, 6},
                new int[] {-100, -100, -100, -100, -100, 6}, List.of(new ImageRef(Path.of("b.png"), 2, 2)));
        TrainingSequence packed = Packer.pack(List.of(a, b));
        TrainingSequence text = TrainingSequence.single(new TokenizedExample(new int[] {7, 8}, new int[] {7, 8}));
        HostBatch hb = HostBatch.of(List.of(packed, text));
        assertThat(hb.images()).extracting(ImageRef::file).containsExactly(Path.of("a.png"), Path.of("b.png"));
        long[][] p = hb.multimodalPositions(pad);
        int l = hb.length();
        // a: 0 1 | image at 2: t=2, h=2+row, w=2+col | next text at 2 + max(2, 3) = 5, 6
        assertThat(Arrays.copyOfRange(p[0], 0, 10)).containsExactly(0, 1, 2, 2, 2, 2, 2, 2, 5, 6);
        assertThat(Arrays.copyOfRange(p[1], 0, 10)).containsExactly(0, 1, 2, 2, 2, 3, 3, 3, 5, 6);
        assertThat(Arrays.copyOfRange(p[2], 0, 10)).containsExactly(0, 1, 2, 3, 4, 2, 3, 4, 5, 6);
        // b restarts at 0: 0 | image t=1, h=1+row, w=1+col | 3
        assertThat(Arrays.copyOfRange(p[1], 10, 16)).containsExactly(0, 1, 1, 2, 2, 3);
        assertThat(Arrays.copyOfRange(p[2], 10, 16)).containsExactly(0, 1, 2, 1, 2, 3);
        // a text row: the same position on every axis; padding 0
        for (int axis = 0; axis < 3; axis++) {
            assertThat(Arrays.copyOfRange(p[axis], l, l + 3)).containsExactly(0, 1, 0);
        }
    }

    @Test
    void maskedCrossEntropyIsTheSumOverTrainedPositions() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            float[] logits = {0f, 1f, 2f, 2f, 0f, 0f};
            NDArray l = m.create(logits, new Shape(1, 2, 3));
            NDArray t = m.create(new long[] {2, -100}, new Shape(1, 2));
            double expect = -(2 - Math.log(Math.exp(0) + Math.exp(1) + Math.exp(2)));
            assertThat((double) MaskedCrossEntropy.sum(l, t).getFloat()).isCloseTo(expect, Offset.offset(1e-5));
        }
    }
}
