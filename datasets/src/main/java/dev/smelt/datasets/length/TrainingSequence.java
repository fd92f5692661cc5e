package dev.smelt.datasets.length;

import dev.smelt.datasets.image.ImageRef;
import dev.smelt.datasets.tokenize.TokenizedExample;
import java.util.Arrays;
import java.util.List;

/**
 * What the trainer consumes: one row of a batch, holding one example or several packed ones.
 *
 * <ul>
 *   <li>{@code inputIds}, {@code labels}: as in {@link TokenizedExample} (labels unshifted, -100 = not
 *       trained; the first token of every segment is -100 so no loss crosses an example boundary).
 *   <li>{@code positionIds}: restart at 0 at the start of every segment.
 *   <li>{@code segmentIds}: 1, 2, ... for the examples packed into this row (all 1 when unpacked);
 *       padding added by the batchifier gets 0. Attention: token i may attend to token j iff
 *       {@code j <= i && segmentIds[i] == segmentIds[j] && segmentIds[i] != 0}.
 *   <li>{@code images}: the images of all examples in the row, in token order; each occupies one whole run of
 *       placeholder tokens inside its own segment (examples with images are never cut, and packing keeps examples
 *       whole). Models with multimodal positions (Qwen3.5's mRoPE) derive them per segment from these.
 * </ul>
 */
public record TrainingSequence(int[] inputIds, int[] labels, int[] positionIds, int[] segmentIds, List<ImageRef> images) {
    public TrainingSequence {
        int n = inputIds.length;
        if (labels.length != n || positionIds.length != n || segmentIds.length != n) {
            throw new IllegalArgumentException("sequence arrays differ in length");
        }
        images = List.copyOf(images);
    }

    public TrainingSequence(int[] inputIds, int[] labels, int[] positionIds, int[] segmentIds) {
        this(inputIds, labels, positionIds, segmentIds, List.of());
    }

    public static TrainingSequence single(TokenizedExample example) {
        int n = example.length();
        int[] pos = new int[n];
        for (int i = 0; i < n; i++) pos[i] = i;
        int[] seg = new int[n];
        Arrays.fill(seg, 1);
        return new TrainingSequence(example.inputIds(), example.labels(), pos, seg, example.images());
    }

    public int length() {
        return inputIds.length;
    }

    /** Number of examples in this row. */
    public int segments() {
        return segmentIds.length == 0 ? 0 : segmentIds[segmentIds.length - 1];
    }

    /** Start offsets of the segments, then the length: segment k spans {@code [b[k], b[k+1])}. */
    public int[] boundaries() {
        int[] b = new int[segments() + 1];
        int k = 0;
        for (int i = 0; i < segmentIds.length; i++) {
            if (i == 0 || segmentIds[i] != segmentIds[i - 1]) b[k++] = i;
        }
        b[k] = segmentIds.length;
        return b;
    }
}
