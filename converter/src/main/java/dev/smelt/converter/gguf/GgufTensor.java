package dev.smelt.converter.gguf;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.WritableByteChannel;

/**
 * A tensor to be written into a GGUF file: its info entry plus a callback that streams exactly
 * {@link #byteSize()} bytes of data. The writer pulls one tensor at a time, so a source should produce its
 * bytes in bounded chunks rather than materialising the whole tensor.
 */
public interface GgufTensor {
    String name();

    /** GGUF dims, innermost first. */
    long[] dims();

    GgmlType type();

    void writeTo(WritableByteChannel out) throws IOException;

    default long numElements() {
        long n = 1;
        for (long d : dims()) n = Math.multiplyExact(n, d);
        return n;
    }

    default long byteSize() {
        return type().byteSize(numElements());
    }

    /** A tensor whose bytes are already in memory (tests, small generated tensors). */
    static GgufTensor of(String name, long[] dims, GgmlType type, ByteBuffer data) {
        long[] d = dims.clone();
        return new GgufTensor() {
            public String name() { return name; }
            public long[] dims() { return d.clone(); }
            public GgmlType type() { return type; }
            public void writeTo(WritableByteChannel out) throws IOException {
                ByteBuffer b = data.duplicate();
                while (b.hasRemaining()) out.write(b);
            }
        };
    }

    static GgufTensor ofFloats(String name, long[] dims, float[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return of(name, dims, GgmlType.F32, b);
    }
}
