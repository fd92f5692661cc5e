package dev.smelt.quantizer.block;

/** Little-endian byte access and C rounding helpers shared by the block quantizers. */
final class Blocks {
    private Blocks() {}

    static void putHalf(byte[] b, int off, float value) {
        short h = Fp16.fromFloat(value);
        b[off] = (byte) h;
        b[off + 1] = (byte) (h >> 8);
    }

    static float half(byte[] b, int off) {
        return Fp16.toFloat((short) ((b[off] & 0xFF) | (b[off + 1] << 8)));
    }

    static int u8(byte[] b, int off) {
        return b[off] & 0xFF;
    }

    static void putU32(byte[] b, int off, int v) {
        b[off] = (byte) v;
        b[off + 1] = (byte) (v >> 8);
        b[off + 2] = (byte) (v >> 16);
        b[off + 3] = (byte) (v >> 24);
    }

    static int u32(byte[] b, int off) {
        return (b[off] & 0xFF) | (b[off + 1] & 0xFF) << 8 | (b[off + 2] & 0xFF) << 16 | (b[off + 3] & 0xFF) << 24;
    }

    /**
     * {@code (int) roundf(x)}: x ± 0.5 is exact in double, and truncating it toward zero is rounding halves away
     * from zero; outside the int range (a block whose scale overflowed to infinity) and for NaN, what x86-64's
     * conversion gives ({@link #cvtt}).
     */
    static int roundfToInt(float x) {
        return cvtt((double) x + Math.copySign(0.5, (double) x));
    }

    /** C's float-to-8-bit conversion as x86-64 gcc emits it (truncate to int32, keep the low byte). */
    static int toInt8(float x) {
        return (byte) cvtt(x);
    }

    static int toUInt8(float x) {
        return cvtt(x) & 0xFF;
    }

    /**
     * C's float-to-int conversion as x86-64 executes it (cvttss2si/cvttsd2si): truncation toward zero, and the
     * "integer indefinite" 0x80000000 for NaN and for values outside the int range, where Java saturates instead.
     * C leaves those cases undefined; llama.cpp's x86 builds give this, and the bytes must be theirs.
     */
    static int cvtt(double x) {
        return x >= -2147483648.0 && x < 2147483648.0 ? (int) x : Integer.MIN_VALUE;
    }

    /**
     * C's {@code amax}/{@code max} loop of the legacy quantizers ({@code if (amax < fabsf(v)) { amax = fabsf(v); max = v; }}):
     * the first value of the largest |v| in {@code x[xo..xo+n)}, +0 when all are zero; {@code n} a multiple of 4. |v| as
     * raw bits orders as |v| does, NaN above infinity: four chains of int max (cmov) instead of a branch per value, and
     * C's loop itself only when a NaN (which its comparison steps over) is there.
     */
    static float firstLargestMagnitude(float[] x, int xo, int n) {
        int m0 = 0;
        int m1 = 0;
        int m2 = 0;
        int m3 = 0;
        for (int j = 0; j < n; j += 4) {
            m0 = Math.max(m0, Float.floatToRawIntBits(x[xo + j]) & 0x7fffffff);
            m1 = Math.max(m1, Float.floatToRawIntBits(x[xo + j + 1]) & 0x7fffffff);
            m2 = Math.max(m2, Float.floatToRawIntBits(x[xo + j + 2]) & 0x7fffffff);
            m3 = Math.max(m3, Float.floatToRawIntBits(x[xo + j + 3]) & 0x7fffffff);
        }
        int m = Math.max(Math.max(m0, m1), Math.max(m2, m3));
        if (m > 0x7f800000) {
            float amax = 0.0f;
            float max = 0.0f;
            for (int j = 0; j < n; j++) {
                float v = x[xo + j];
                if (amax < Math.abs(v)) {
                    amax = Math.abs(v);
                    max = v;
                }
            }
            return max;
        }
        if (m == 0) return 0.0f;
        int j = xo;
        while ((Float.floatToRawIntBits(x[j]) & 0x7fffffff) != m) j++;
        return x[j];
    }
}
