package dev.smelt.quantizer.block;

/**
 * The 12-byte packing of eight 6-bit scales and eight 6-bit mins used by Q4_K and Q5_K
 * (ggml's {@code get_scale_min_k4} and its inverse in the quantizers).
 */
final class ScaleMin6 {
    private ScaleMin6() {}

    /** Stores scale {@code ls} and min {@code lm} (each 0..63) of group j into {@code q[o..o+12)}. */
    static void put(byte[] q, int o, int j, int ls, int lm) {
        if (j < 4) {
            q[o + j] = (byte) ls;
            q[o + j + 4] = (byte) lm;
        } else {
            q[o + j + 4] = (byte) ((ls & 0xF) | ((lm & 0xF) << 4));
            q[o + j - 4] |= (byte) ((ls >> 4) << 6);
            q[o + j] |= (byte) ((lm >> 4) << 6);
        }
    }

    static int scale(byte[] q, int o, int j) {
        if (j < 4) return q[o + j] & 63;
        return (q[o + j + 4] & 0xF) | (((q[o + j - 4] & 0xFF) >> 6) << 4);
    }

    static int min(byte[] q, int o, int j) {
        if (j < 4) return q[o + j + 4] & 63;
        return ((q[o + j + 4] & 0xFF) >> 4) | (((q[o + j] & 0xFF) >> 6) << 4);
    }
}
