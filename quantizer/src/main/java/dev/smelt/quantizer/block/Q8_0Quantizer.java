package dev.smelt.quantizer.block;

import dev.smelt.converter.gguf.GgmlType;

/** Q8_0: blocks of 32 int8 values with one fp16 scale (amax/127). The importance matrix is not used. */
public final class Q8_0Quantizer implements BlockQuantizer {
    static final Q8_0Quantizer INSTANCE = new Q8_0Quantizer();
    private static final int QK = 32;
    private static final int BYTES = 34;

    private Q8_0Quantizer() {}

    @Override
    public GgmlType type() {
        return GgmlType.Q8_0;
    }

    @Override
    public void quantizeRow(float[] x, int xOff, int n, float[] importance, byte[] dst, int dstOff) {
        for (int i = 0; i < n / QK; i++) {
            int xo = xOff + i * QK;
            int o = dstOff + i * BYTES;
            float amax = 0.0f;
            for (int j = 0; j < QK; j++) {
                float a = Math.abs(x[xo + j]);
                amax = amax > a ? amax : a;
            }
            float d = amax / ((1 << 7) - 1);
            float id = d != 0 ? 1.0f / d : 0.0f;
            Blocks.putHalf(dst, o, d);
            for (int j = 0; j < QK; ++j) {
                dst[o + 2 + j] = (byte) Blocks.roundfToInt(x[xo + j] * id);
            }
        }
    }

    @Override
    public void dequantizeRow(byte[] src, int srcOff, float[] y, int yOff, int n) {
        for (int i = 0; i < n / QK; i++) {
            int o = srcOff + i * BYTES;
            float d = Blocks.half(src, o);
            for (int j = 0; j < QK; ++j) y[yOff + i * QK + j] = src[o + 2 + j] * d;
        }
    }
}
