package dev.smelt.converter.onnx;

import dev.smelt.core.safetensors.Floats;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Floats to little-endian FLOAT or FLOAT16 bytes (round to nearest even, as numpy's astype does). */
final class FloatEncoding {
    private FloatEncoding() {}

    static byte[] encode(ElementType type, float[] values) {
        return encode(type, values, 0, values.length);
    }

    static byte[] encode(ElementType type, float[] values, int from, int count) {
        ByteBuffer b = ByteBuffer.allocate(count * type.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
        switch (type) {
            case FLOAT -> { for (int i = 0; i < count; i++) b.putFloat(values[from + i]); }
            case FLOAT16 -> { for (int i = 0; i < count; i++) b.putShort(Floats.floatToHalf(values[from + i])); }
            default -> throw new IllegalArgumentException("not a float type: " + type);
        }
        return b.array();
    }
}
