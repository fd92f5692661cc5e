package dev.smelt.core.model;

import java.util.Arrays;

/** A tensor an architecture expects: its Hugging Face name and PyTorch shape ([out, in] for linear weights). */
public record TensorSpec(String name, long[] shape) {
    public long numElements() {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorSpec t && t.name.equals(name) && Arrays.equals(t.shape, shape);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return name + Arrays.toString(shape);
    }
}
