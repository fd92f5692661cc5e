package dev.smelt.converter.onnx;

import java.util.Arrays;

/** A large initializer: name, element type, dims and the callback that streams its bytes. */
public record Weight(String name, ElementType type, long[] dims, WeightData data) {
    public long numElements() {
        long n = 1;
        for (long d : dims) n *= d;
        return n;
    }

    public long byteSize() {
        return numElements() * type.byteSize();
    }

    @Override
    public String toString() {
        return name + " " + type + Arrays.toString(dims);
    }
}
