package dev.smelt.models.qwen35;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.smelt.models.nn.Scalars;

/**
 * What the recurrent layers need to keep packed sequences apart, derived from segment ids {@code [B, T]}:
 * {@code resets [B, T]} (1 where the segment id changes, so the delta-rule state restarts) and
 * {@code convOk [K-1, B, T]} (1 where the token d+1 steps back belongs to the same segment, so the causal conv
 * does not read across a boundary). {@link #NONE} for unpacked rows.
 */
record Packing(NDArray resets, NDArray convOk) {
    static final Packing NONE = new Packing(null, null);

    static Packing of(NDArray segmentIds, int kernel) {
        long b = segmentIds.getShape().get(0), t = segmentIds.getShape().get(1);
        long[] seg = segmentIds.toType(DataType.INT64, false).toLongArray();
        float[] resets = new float[(int) (b * t)];
        float[] ok = new float[(int) ((kernel - 1) * b * t)];
        for (int r = 0; r < b; r++) {
            for (int i = 0; i < t; i++) {
                int at = (int) (r * t + i);
                if (i > 0 && seg[at] != seg[at - 1]) resets[at] = 1f;
                for (int d = 1; d < kernel; d++) {
                    ok[(int) ((d - 1) * b * t) + at] = i - d < 0 || seg[at - d] == seg[at] ? 1f : 0f;
                }
            }
        }
        var m = segmentIds.getManager();
        return new Packing(Scalars.owned(m.create(resets, new Shape(b, t))), Scalars.owned(m.create(ok, new Shape(kernel - 1, b, t))));
    }
}
