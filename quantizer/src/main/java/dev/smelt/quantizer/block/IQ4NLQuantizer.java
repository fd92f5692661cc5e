package dev.smelt.quantizer.block;

import dev.smelt.converter.gguf.GgmlType;

/** IQ4_NL: blocks of 32 4-bit indices into a non-linear table with one fp16 scale; layout d, qs[16]. */
public final class IQ4NLQuantizer implements BlockQuantizer {
    static final IQ4NLQuantizer INSTANCE = new IQ4NLQuantizer();
    private static final int QK = 32;
    private static final int BYTES = 18;

    private IQ4NLQuantizer() {}

    @Override
    public GgmlType type() {
        return GgmlType.IQ4_NL;
    }

    @Override
    public void quantizeRow(float[] x, int xOff, int n, float[] importance, byte[] dst, int dstOff) {
        float[] scale = new float[1];
        float[] weight = new float[QK];
        byte[] L = new byte[QK];
        for (int ib = 0; ib < n / QK; ++ib) {
            int o = dstOff + ib * BYTES;
            NonLinear4.quantize(QK, x, xOff + ib * QK, importance, ib * QK, dst, o, o + 2, -1, scale, weight, L);
        }
    }

    @Override
    public void dequantizeRow(byte[] src, int srcOff, float[] y, int yOff, int n) {
        for (int i = 0; i < n / QK; i++) {
            int o = srcOff + i * BYTES;
            float d = Blocks.half(src, o);
            for (int j = 0; j < QK / 2; ++j) {
                int q = src[o + 2 + j] & 0xFF;
                y[yOff + i * QK + j] = d * NonLinear4.VALUES[q & 0xf];
                y[yOff + i * QK + j + QK / 2] = d * NonLinear4.VALUES[q >> 4];
            }
        }
    }
}
