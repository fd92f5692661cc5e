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
     * {@code (int) roundf(x)} for |x| &lt; 2^31: x ± 0.5 is exact in double, and truncating it toward zero is rounding
     * halves away from zero (NaN gives 0, as x86-64's conversion of C's NaN does in the low byte).
     */
    static int roundfToInt(float x) {
        return (int) ((double) x + Math.copySign(0.5, (double) x));
    }

    /** C's float-to-8-bit conversion as x86-64 gcc emits it (truncate to int32, keep the low byte). */
    static int toInt8(float x) {
        return (byte) (int) x;
    }

    static int toUInt8(float x) {
        return ((int) x) & 0xFF;
    }
}
