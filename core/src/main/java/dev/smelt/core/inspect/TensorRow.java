package dev.smelt.core.inspect;

/** One line of a tensor table: name, shape, stored type (safetensors dtype or ggml type) and size on disk. */
public record TensorRow(String name, long[] shape, String type, long bytes) {
    public long numElements() {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }
}
