package dev.smelt.quantizer.block;

/**
 * IEEE half precision conversion exactly as ggml's portable {@code ggml_compute_fp32_to_fp16} /
 * {@code ggml_compute_fp16_to_fp32} (round to nearest even, NaN → 0x7E00), which is what llama-quantize
 * uses when it stores block scales. Java 17 has no {@code Float.floatToFloat16}.
 */
public final class Fp16 {
    private Fp16() {}

    private static final float SCALE_TO_INF = 0x1.0p+112f;
    private static final float SCALE_TO_ZERO = 0x1.0p-110f;

    public static short fromFloat(float f) {
        float base = (Math.abs(f) * SCALE_TO_INF) * SCALE_TO_ZERO;
        int w = Float.floatToRawIntBits(f);
        int shl1W = w + w;
        int sign = w & 0x80000000;
        int bias = shl1W & 0xFF000000;
        if (Integer.compareUnsigned(bias, 0x71000000) < 0) bias = 0x71000000;
        base = Float.intBitsToFloat((bias >>> 1) + 0x07800000) + base;
        int bits = Float.floatToRawIntBits(base);
        int expBits = (bits >>> 13) & 0x00007C00;
        int mantissaBits = bits & 0x00000FFF;
        int nonsign = expBits + mantissaBits;
        return (short) ((sign >>> 16) | (Integer.compareUnsigned(shl1W, 0xFF000000) > 0 ? 0x7E00 : nonsign));
    }

    public static float toFloat(short h) {
        int w = (h & 0xFFFF) << 16;
        int sign = w & 0x80000000;
        int twoW = w + w;
        int expOffset = 0xE0 << 23;
        float normalized = Float.intBitsToFloat((twoW >>> 4) + expOffset) * 0x1.0p-112f;
        int magicMask = 126 << 23;
        float denormalized = Float.intBitsToFloat((twoW >>> 17) | magicMask) - 0.5f;
        int denormalizedCutoff = 1 << 27;
        int result = sign | (Integer.compareUnsigned(twoW, denormalizedCutoff) < 0
                ? Float.floatToRawIntBits(denormalized) : Float.floatToRawIntBits(normalized));
        return Float.intBitsToFloat(result);
    }

    /** Rounds a float through half precision (what a stored scale becomes when read back). */
    public static float round(float f) {
        return toFloat(fromFloat(f));
    }
}
