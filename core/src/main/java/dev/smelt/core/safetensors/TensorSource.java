package dev.smelt.core.safetensors;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.WritableByteChannel;

/**
 * A tensor to be written: its header entry plus a callback that streams exactly
 * {@code numElements × dtype.byteSize()} little-endian bytes. Sources are pulled one at a time so a
 * writer never holds more than one tensor's worth of data.
 */
public interface TensorSource {
    String name();

    DType dtype();

    long[] shape();

    void writeTo(WritableByteChannel out) throws IOException;

    default long byteSize() {
        return TensorInfo.numElements(shape()) * dtype().byteSize();
    }

    /** A source backed by a buffer already in memory (tests, small tensors). */
    static TensorSource of(String name, DType dtype, long[] shape, ByteBuffer data) {
        return new TensorSource() {
            public String name() { return name; }
            public DType dtype() { return dtype; }
            public long[] shape() { return shape; }
            public void writeTo(WritableByteChannel out) throws IOException {
                ByteBuffer b = data.duplicate();
                while (b.hasRemaining()) out.write(b);
            }
        };
    }

    static TensorSource ofFloats(String name, long[] shape, float[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return of(name, DType.F32, shape, b);
    }

    /** Copies a tensor out of an open file, window by window (works for tensors over 2 GiB). */
    static TensorSource copyOf(SafetensorsFile file, String name) {
        TensorInfo info = file.info(name);
        return new TensorSource() {
            public String name() { return name; }
            public DType dtype() { return info.dtype(); }
            public long[] shape() { return info.shape(); }
            public void writeTo(WritableByteChannel out) throws IOException {
                long window = 1L << 30;
                for (long off = 0; off < info.byteSize(); off += window) {
                    ByteBuffer b = file.window(name, off, Math.min(window, info.byteSize() - off));
                    while (b.hasRemaining()) out.write(b);
                }
            }
        };
    }
}
