package dev.smelt.converter.gguf;

import java.util.Arrays;

/**
 * A tensor info entry of a GGUF file. {@code dims} are in GGUF order, innermost (contiguous) first, so a
 * PyTorch {@code [out, in]} weight has dims {@code [in, out]}. {@code offset} is relative to the start of the
 * data section.
 */
public record GgufTensorInfo(String name, long[] dims, GgmlType type, long offset) {

    public GgufTensorInfo {
        dims = dims.clone();
    }

    @Override
    public long[] dims() {
        return dims.clone();
    }

    public int nDims() {
        return dims.length;
    }

    public long dim(int i) {
        return dims[i];
    }

    public long numElements() {
        long n = 1;
        for (long d : dims) n = Math.multiplyExact(n, d);
        return n;
    }

    public long byteSize() {
        return type.byteSize(numElements());
    }

    /** Shape in PyTorch order (outermost first), as users of Hugging Face tools expect to see it. */
    public long[] torchShape() {
        long[] s = new long[dims.length];
        for (int i = 0; i < dims.length; i++) s[i] = dims[dims.length - 1 - i];
        return s;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GgufTensorInfo t && t.name.equals(name) && Arrays.equals(t.dims, dims)
                && t.type == type && t.offset == offset;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(dims);
    }

    @Override
    public String toString() {
        return name + " " + type + Arrays.toString(dims) + " @" + offset;
    }
}
