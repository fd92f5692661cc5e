package dev.smelt.core.tiny;

import dev.smelt.core.safetensors.DType;
import dev.smelt.core.safetensors.Floats;
import dev.smelt.core.safetensors.TensorInfo;
import dev.smelt.core.safetensors.TensorSource;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.WritableByteChannel;

/** A tensor whose values are generated while it is written, in bounded chunks. */
record RandomTensor(String name, DType dtype, long[] shape, WeightInit init, long seed) implements TensorSource {
    private static final int CHUNK = 1 << 16;

    @Override
    public void writeTo(WritableByteChannel out) throws IOException {
        WeightInit.SplitMix64 rng = WeightInit.streamFor(seed, name);
        long n = TensorInfo.numElements(shape);
        ByteBuffer buf = ByteBuffer.allocate(CHUNK * dtype.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
        for (long done = 0; done < n; ) {
            if (Thread.currentThread().isInterrupted()) throw new InterruptedIOException("interrupted writing " + name);
            int count = (int) Math.min(CHUNK, n - done);
            buf.clear();
            for (int i = 0; i < count; i++) {
                float v = init.sample(rng, shape);
                switch (dtype) {
                    case F32 -> buf.putFloat(v);
                    case F16 -> buf.putShort(Floats.floatToHalf(v));
                    case BF16 -> buf.putShort(Floats.floatToBf16(v));
                    default -> throw new IllegalStateException("unsupported dtype " + dtype);
                }
            }
            buf.flip();
            while (buf.hasRemaining()) out.write(buf);
            done += count;
        }
    }
}
