package dev.smelt.trainer.sft;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.smelt.core.SmeltException;
import dev.smelt.datasets.image.ImageRef;
import dev.smelt.datasets.length.TrainingSequence;
import dev.smelt.models.qwen35.MultimodalPositions;
import dev.smelt.datasets.tokenize.TokenizedExample;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Rows of a micro-batch padded to the longest row, on the host: input ids, positions, segment ids
 * (padding -1, the model's convention) and next-token targets (label i+1 at position i; -100 where
 * nothing is trained, at padding and at each row's last position), and each row's images in token order.
 */
record HostBatch(int rows, int length, long[] ids, long[] positions, long[] segments, long[] targets, int trainedTokens,
        int realTokens, List<List<ImageRef>> rowImages) {

    HostBatch {
        rowImages = List.copyOf(rowImages);
    }

    /** Whether any row holds images. */
    boolean hasImages() {
        for (List<ImageRef> r : rowImages) if (!r.isEmpty()) return true;
        return false;
    }

    /** The images of all rows, row by row, in token order (the order their placeholders appear in {@link #ids}). */
    List<ImageRef> images() {
        List<ImageRef> out = new ArrayList<>();
        for (List<ImageRef> r : rowImages) out.addAll(r);
        return out;
    }

    /**
     * Multimodal rotary positions {@code [3][rows * length]} (temporal, height, width): each packed example starts at 0,
     * its text tokens advance by one on all axes and each image's tokens take its (row, column) grid
     * ({@link MultimodalPositions}); padding is 0.
     */
    long[][] multimodalPositions(int imageTokenId) {
        long[][] out = new long[3][rows * length];
        for (int r = 0; r < rows; r++) {
            List<ImageRef> imgs = rowImages.get(r);
            int next = 0;
            int base = r * length;
            int i = 0;
            while (i < length && segments[base + i] != -1) {
                int start = i;
                long seg = segments[base + i];
                while (i < length && segments[base + i] == seg) i++;
                long[] segIds = Arrays.copyOfRange(ids, base + start, base + i);
                int imageTokens = 0;
                for (long id : segIds) if (id == imageTokenId) imageTokens++;
                List<int[]> grids = new ArrayList<>();
                while (imageTokens > 0) {
                    if (next >= imgs.size()) throw new SmeltException("a training row has more image tokens than images");
                    ImageRef ref = imgs.get(next++);
                    grids.add(new int[] {ref.rows(), ref.cols()});
                    imageTokens -= ref.tokens();
                }
                if (imageTokens != 0) throw new SmeltException("a training row's image tokens do not match its images' grids");
                long[][] p = MultimodalPositions.of(segIds, imageTokenId, grids, 0).positions();
                for (int a = 0; a < 3; a++) System.arraycopy(p[a], 0, out[a], base + start, segIds.length);
            }
            if (next != imgs.size()) throw new SmeltException("a training row has " + imgs.size() + " images but " + next + " placeholder runs");
        }
        return out;
    }

    NDArray multimodalPositionsOn(NDManager m, Device d, int imageTokenId) {
        long[][] p = multimodalPositions(imageTokenId);
        long[] flat = new long[3 * rows * length];
        for (int a = 0; a < 3; a++) System.arraycopy(p[a], 0, flat, a * rows * length, rows * length);
        return owned(m.create(flat, new Shape(3, rows, length)), d);
    }

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
        List<List<ImageRef>> images = new ArrayList<>(rows);
        for (int r = 0; r < rows; r++) {
            TrainingSequence s = seqs.get(r);
            images.add(s.images());
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
        return new HostBatch(rows, len, ids, pos, seg, tgt, trained, real, images);
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
                s, t, trained, real, rowImages.subList(from, to));
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
