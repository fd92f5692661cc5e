package dev.smelt.models.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/** Position ids derived from segment ids: they restart at 0 wherever the segment id changes. */
public final class Positions {
    private Positions() {}

    public static NDArray restartPerSegment(NDArray segmentIds) {
        long b = segmentIds.getShape().get(0), t = segmentIds.getShape().get(1);
        long[] seg = segmentIds.toType(DataType.INT64, false).toLongArray();
        long[] pos = new long[seg.length];
        for (int r = 0; r < b; r++) {
            int base = (int) (r * t);
            long p = 0;
            for (int i = 0; i < t; i++) {
                if (i > 0 && seg[base + i] != seg[base + i - 1]) p = 0;
                pos[base + i] = p++;
            }
        }
        return Scalars.owned(segmentIds.getManager().create(pos)).reshape(b, t);
    }
}
