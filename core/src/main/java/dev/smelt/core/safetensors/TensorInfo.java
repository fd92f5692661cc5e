package dev.smelt.core.safetensors;

import java.util.Arrays;

/**
 * One tensor entry of a safetensors header. {@code begin}/{@code end} are byte offsets relative to
 * the start of the data section, as in the file.
 */
public record TensorInfo(String name, DType dtype, long[] shape, long begin, long end) {

    public long numElements() {
        return numElements(shape);
    }

    public long byteSize() {
        return end - begin;
    }

    public static long numElements(long[] shape) {
        long n = 1;
        for (long d : shape) n = Math.multiplyExact(n, d);
        return n;
    }

    public String shapeString() {
        return Arrays.toString(shape);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorInfo t && t.name.equals(name) && t.dtype == dtype
                && Arrays.equals(t.shape, shape) && t.begin == begin && t.end == end;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return name + " " + dtype + shapeString() + " @" + begin + ".." + end;
    }
}
