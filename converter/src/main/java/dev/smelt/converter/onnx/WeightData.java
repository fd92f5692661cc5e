package dev.smelt.converter.onnx;

import java.io.IOException;

/** The bytes of one large initializer, produced when the writer reaches it (so only one is in memory at a time). */
@FunctionalInterface
public interface WeightData {
    /** Writes exactly the tensor's byte size to {@code sink}, little-endian, row-major. */
    void writeTo(Sink sink) throws IOException;

    @FunctionalInterface
    interface Sink {
        void write(byte[] bytes, int offset, int length) throws IOException;
    }
}
