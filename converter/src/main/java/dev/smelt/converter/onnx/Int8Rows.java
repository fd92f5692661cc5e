package dev.smelt.converter.onnx;

/**
 * Symmetric per-row int8 quantization for {@code MatMulInteger}: {@code s = max|w_row| / 127},
 * {@code q = clamp(round(w / s), −127, 127) + 128} stored as uint8 (zero point 128), so {@code w ≈ (q − 128)·s}.
 * A row of zeros gets scale 0 and codes 128.
 */
final class Int8Rows {
    static final int ZERO_POINT = 128;

    private Int8Rows() {}

    /** Quantizes {@code rows} rows of {@code k} floats from {@code x} into {@code codes} and {@code scales}. */
    static void quantize(float[] x, int rows, int k, byte[] codes, float[] scales) {
        for (int r = 0; r < rows; r++) {
            float max = 0;
            for (int j = 0; j < k; j++) max = Math.max(max, Math.abs(x[r * k + j]));
            float s = max / 127f;
            scales[r] = s;
            float inv = s == 0 ? 0 : 1 / s;
            for (int j = 0; j < k; j++) {
                int q = Math.round(x[r * k + j] * inv);
                codes[r * k + j] = (byte) (Math.max(-127, Math.min(127, q)) + ZERO_POINT);
            }
        }
    }
}
