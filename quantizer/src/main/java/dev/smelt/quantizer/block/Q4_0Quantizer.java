package dev.smelt.quantizer.block;

import dev.smelt.converter.gguf.GgmlType;

/** Q4_0: blocks of 32 4-bit values (offset 8) with one fp16 scale; layout d, qs[16]. */
public final class Q4_0Quantizer implements BlockQuantizer {
    static final Q4_0Quantizer INSTANCE = new Q4_0Quantizer();
    private static final int QK = 32;
    private static final int BYTES = 18;

    private Q4_0Quantizer() {}

    @Override
    public GgmlType type() {
        return GgmlType.Q4_0;
    }

    @Override
    public void quantizeRow(float[] x, int xOff, int n, float[] importance, byte[] dst, int dstOff) {
        if (importance == null) {
            for (int i = 0; i < n / QK; i++) reference(x, xOff + i * QK, dst, dstOff + i * BYTES);
            return;
        }
        float sigma2 = BlockQuantizer.sumOfSquares(x, xOff, n) / n;
        float[] weight = new float[QK];
        byte[] L = new byte[QK];
        for (int ib = 0; ib < n / QK; ++ib) {
            int xb = xOff + QK * ib;
            int o = dstOff + ib * BYTES;
            for (int j = 0; j < QK; ++j) {
                weight[j] = importance[QK * ib + j] * (float) Math.sqrt(sigma2 + x[xb + j] * x[xb + j]);
            }
            float d = ScaleSearch.makeQxQuants(QK, 8, x, xb, L, 0, 1, weight, 0);
            Blocks.putHalf(dst, o, d);
            for (int j = 0; j < 16; ++j) dst[o + 2 + j] = (byte) (L[j] | (L[j + 16] << 4));
        }
    }

    private static void reference(float[] x, int xo, byte[] dst, int o) {
        float max = Blocks.firstLargestMagnitude(x, xo, QK);
        float d = max / -8;
        float id = d != 0 ? 1.0f / d : 0.0f;
        Blocks.putHalf(dst, o, d);
        for (int j = 0; j < QK / 2; ++j) {
            float x0 = x[xo + j] * id;
            float x1 = x[xo + QK / 2 + j] * id;
            int xi0 = Math.min(15, Blocks.toInt8(x0 + 8.5f));
            int xi1 = Math.min(15, Blocks.toInt8(x1 + 8.5f));
            dst[o + 2 + j] = (byte) (xi0 | (xi1 << 4));
        }
    }

    @Override
    public void dequantizeRow(byte[] src, int srcOff, float[] y, int yOff, int n) {
        for (int i = 0; i < n / QK; i++) {
            int o = srcOff + i * BYTES;
            float d = Blocks.half(src, o);
            for (int j = 0; j < QK / 2; ++j) {
                int q = src[o + 2 + j] & 0xFF;
                y[yOff + i * QK + j] = ((q & 0x0F) - 8) * d;
                y[yOff + i * QK + j + QK / 2] = ((q >> 4) - 8) * d;
            }
        }
    }
}
