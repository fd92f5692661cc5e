package dev.smelt.core.safetensors;

import dev.smelt.core.SmeltException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Conversions between stored element types and Java floats (half precision without Java 20's Float.float16ToFloat). */
public final class Floats {
    private Floats() {}

    public static float halfToFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        if (exp == 0) {
            if (mant == 0) return Float.intBitsToFloat(sign);
            // subnormal: normalise
            float v = mant / 1024f * (1f / 16384f);
            return sign != 0 ? -v : v;
        }
        if (exp == 31) return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
    }

    /** Round-to-nearest-even float → IEEE half. */
    public static short floatToHalf(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int val = bits & 0x7fffffff;
        if (val >= 0x7f800000) { // inf or nan
            return (short) (sign | 0x7c00 | (val > 0x7f800000 ? 0x200 | ((val >>> 13) & 0x3ff) : 0));
        }
        if (val >= 0x477ff000) return (short) (sign | 0x7c00); // overflow → inf
        if (val < 0x38800000) { // subnormal or zero in half
            if (val < 0x33000000) return (short) sign;
            int shift = 126 - (val >>> 23); // |f| / 2^-24 = mant24 >> shift, 14 <= shift <= 24
            int mant = (val & 0x7fffff) | 0x800000;
            int q = mant >>> shift;
            int rem = mant & ((1 << shift) - 1);
            int half = 1 << (shift - 1);
            if (rem > half || (rem == half && (q & 1) == 1)) q++;
            return (short) (sign | q);
        }
        int exp = (val >>> 23) - 127 + 15;
        int mant = val & 0x7fffff;
        int h = (exp << 10) | (mant >>> 13);
        int rem = mant & 0x1fff;
        if (rem > 0x1000 || (rem == 0x1000 && (h & 1) == 1)) h++;
        return (short) (sign | h);
    }

    public static float bf16ToFloat(short b) {
        return Float.intBitsToFloat((b & 0xffff) << 16);
    }

    /** Round-to-nearest-even float → bfloat16 (NaN kept quiet). */
    public static short floatToBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if ((bits & 0x7fffffff) > 0x7f800000) return (short) ((bits >>> 16) | 0x40);
        int rounding = 0x7fff + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }

    /** E4M3FN (no infinities, 0x7f/0xff = NaN), as in safetensors' F8_E4M3. */
    public static float f8e4m3ToFloat(byte b) {
        int v = b & 0xff;
        int sign = v & 0x80;
        int exp = (v >>> 3) & 0xf;
        int mant = v & 0x7;
        float r;
        if (exp == 0xf && mant == 0x7) r = Float.NaN;
        else if (exp == 0) r = mant / 8f * (float) Math.pow(2, -6);
        else r = (1 + mant / 8f) * (float) Math.pow(2, exp - 7);
        return sign != 0 ? -r : r;
    }

    public static float f8e5m2ToFloat(byte b) {
        return halfToFloat((short) ((b & 0xff) << 8));
    }

    /** Widens {@code count} elements of {@code type} at the buffer's position to floats. */
    public static float[] toFloats(ByteBuffer src, DType type, int count) {
        ByteBuffer b = src.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[count];
        switch (type) {
            case F32 -> b.asFloatBuffer().get(out);
            case F16 -> { for (int i = 0; i < count; i++) out[i] = halfToFloat(b.getShort()); }
            case BF16 -> { for (int i = 0; i < count; i++) out[i] = bf16ToFloat(b.getShort()); }
            case F64 -> { for (int i = 0; i < count; i++) out[i] = (float) b.getDouble(); }
            case F8_E4M3 -> { for (int i = 0; i < count; i++) out[i] = f8e4m3ToFloat(b.get()); }
            case F8_E5M2 -> { for (int i = 0; i < count; i++) out[i] = f8e5m2ToFloat(b.get()); }
            case I64 -> { for (int i = 0; i < count; i++) out[i] = b.getLong(); }
            case I32 -> { for (int i = 0; i < count; i++) out[i] = b.getInt(); }
            case I16 -> { for (int i = 0; i < count; i++) out[i] = b.getShort(); }
            case I8 -> { for (int i = 0; i < count; i++) out[i] = b.get(); }
            case U8, BOOL -> { for (int i = 0; i < count; i++) out[i] = b.get() & 0xff; }
            case U16 -> { for (int i = 0; i < count; i++) out[i] = b.getShort() & 0xffff; }
            case U32 -> { for (int i = 0; i < count; i++) out[i] = b.getInt() & 0xffffffffL; }
            case U64 -> { for (int i = 0; i < count; i++) out[i] = b.getLong(); }
            default -> throw new SmeltException("cannot convert dtype " + type + " to float");
        }
        return out;
    }
}
