package dev.smelt.quantizer.block;

import dev.smelt.converter.gguf.GgmlType;

/**
 * IQ4_XS: super-blocks of 256 = 8 blocks of 32 non-linear 4-bit indices, 6-bit block scales under one fp16
 * scale; layout d, scales_h (u16), scales_l[4], qs[128].
 */
public final class IQ4XSQuantizer implements BlockQuantizer {
    static final IQ4XSQuantizer INSTANCE = new IQ4XSQuantizer();
    private static final int QK = 256;
    private static final int BYTES = 136;

    private IQ4XSQuantizer() {}

    @Override
    public GgmlType type() {
        return GgmlType.IQ4_XS;
    }

    @Override
    public void quantizeRow(float[] x, int xOff, int n, float[] importance, byte[] dst, int dstOff) {
        float[] scales = new float[QK / 32];
        float[] weight = new float[32];
        byte[] L = new byte[QK];
        for (int ibl = 0; ibl < n / QK; ++ibl) {
            int o = dstOff + ibl * BYTES;
            NonLinear4.quantize(QK, x, xOff + ibl * QK, importance, ibl * QK, dst, o, o + 8, o + 2, scales, weight, L);
        }
    }

    @Override
    public void dequantizeRow(byte[] src, int srcOff, float[] y, int yOff, int n) {
        int yi = yOff;
        for (int i = 0; i < n / QK; i++) {
            int o = srcOff + i * BYTES;
            float d = Blocks.half(src, o);
            int scalesH = (src[o + 2] & 0xFF) | (src[o + 3] & 0xFF) << 8;
            int qs = o + 8;
            for (int ib = 0; ib < QK / 32; ++ib) {
                int ls = (((src[o + 4 + ib / 2] & 0xFF) >> 4 * (ib % 2)) & 0xf) | (((scalesH >> 2 * ib) & 3) << 4);
                float dl = d * (ls - 32);
                for (int j = 0; j < 16; ++j) {
                    int q = src[qs + j] & 0xFF;
                    y[yi + j] = dl * NonLinear4.VALUES[q & 0xf];
                    y[yi + j + 16] = dl * NonLinear4.VALUES[q >> 4];
                }
                yi += 32;
                qs += 16;
            }
        }
    }
}
