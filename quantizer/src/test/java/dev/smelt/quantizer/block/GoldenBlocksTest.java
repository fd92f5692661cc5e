package dev.smelt.quantizer.block;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smelt.converter.gguf.GgmlType;
import org.junit.jupiter.api.Test;

/** Blocks worked out by hand from the block layouts (shared/reference/gguf-format.md) and ggml's rounding rules. */
class GoldenBlocksTest {

    private static byte[] quantize(GgmlType type, float[] x, float[] importance) {
        BlockQuantizer q = BlockQuantizer.of(type);
        byte[] out = new byte[(int) type.byteSize(x.length)];
        q.quantizeRow(x, 0, x.length, importance, out, 0);
        return out;
    }

    private static int u8(byte b) {
        return b & 0xFF;
    }

    @Test
    void q8_0ScaleIsAmaxOver127AndHalvesRoundAwayFromZero() {
        float[] x = new float[32];
        for (int j = 0; j < 32; j++) x[j] = j - 16;
        x[0] = 127;     // amax 127 → d = 1.0 (fp16 0x3C00), id = 1
        x[1] = 2.5f;    // roundf: 3, not Java's Math.round 3 … and
        x[2] = -2.5f;   // … -3 (away from zero), where Math.round would give -2
        byte[] b = quantize(GgmlType.Q8_0, x, null);
        assertThat(b).hasSize(34);
        assertThat(u8(b[0]) | u8(b[1]) << 8).isEqualTo(0x3C00);
        assertThat(b[2]).isEqualTo((byte) 127);
        assertThat(b[3]).isEqualTo((byte) 3);
        assertThat(b[4]).isEqualTo((byte) -3);
        for (int j = 3; j < 32; j++) assertThat(b[2 + j]).isEqualTo((byte) (j - 16));
    }

    @Test
    void q4_0ScaleIsSignedMaxOverMinus8AndNibblesAreLowHalfThenHighHalf() {
        float[] x = new float[32];
        for (int j = 0; j < 32; j++) x[j] = (j % 16) - 8; // first |max| is x[0] = -8 → d = -8/-8 = 1
        byte[] b = quantize(GgmlType.Q4_0, x, null);
        assertThat(b).hasSize(18);
        assertThat(u8(b[0]) | u8(b[1]) << 8).isEqualTo(0x3C00);
        // q = (int8)(x + 8.5) = j % 16; byte j holds element j (low nibble) and element j+16 (high nibble)
        for (int j = 0; j < 16; j++) assertThat(u8(b[2 + j])).isEqualTo(j | j << 4);

        float[] y = new float[32];
        y[5] = 16; // positive max: d = 16/-8 = -2 (fp16 0xC000), id = -0.5 → 16 ↦ (int8)(−8+8.5) = 0, zeros ↦ 8
        byte[] c = quantize(GgmlType.Q4_0, y, null);
        assertThat(u8(c[0]) | u8(c[1]) << 8).isEqualTo(0xC000);
        assertThat(u8(c[2 + 5])).isEqualTo(0x80);
        assertThat(u8(c[2])).isEqualTo(0x88);
    }

    @Test
    void q4_KOfAConstantRowUsesTopScaleAndZeroMins() {
        float[] x = new float[256];
        java.util.Arrays.fill(x, 1f);
        byte[] b = quantize(GgmlType.Q4_K, x, null);
        assertThat(b).hasSize(144);
        // each group of 32: min clamps to 0, scale = 1/15; the 6-bit scale is 63 under d = (1/15)/63
        // = 0.00105820… → fp16 2^-10·(1+86/1024) = 0x1456; dmin = 0
        assertThat(u8(b[0]) | u8(b[1]) << 8).isEqualTo(0x1456);
        assertThat(u8(b[2]) | u8(b[3]) << 8).isEqualTo(0);
        // scales[0..3] = 63 | (high bits of scales 4..7 = 3) << 6; scales[4..7] = mins 0; scales[8..11] = low nibble 15
        int[] scales = {0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0, 0x0F, 0x0F, 0x0F, 0x0F};
        for (int j = 0; j < 12; j++) assertThat(u8(b[4 + j])).as("scales[%d]", j).isEqualTo(scales[j]);
        // 1 / (d·63) = 14.98 → level 15 everywhere
        for (int j = 16; j < 144; j++) assertThat(u8(b[j])).isEqualTo(0xFF);
    }

    @Test
    void allZeroBlocksStayZero() {
        for (GgmlType t : new GgmlType[] {GgmlType.Q8_0, GgmlType.Q4_K, GgmlType.Q6_K, GgmlType.Q3_K}) {
            float[] x = new float[256];
            float[] back = new float[256];
            byte[] b = quantize(t, x, null);
            BlockQuantizer.of(t).dequantizeRow(b, 0, back, 0, 256);
            for (float v : back) assertThat(v == 0).as(t.name()).isTrue(); // ±0
        }
    }

    @Test
    void fp16MatchesIeeeRoundToNearestEven() {
        assertThat(Fp16.fromFloat(1f)).isEqualTo((short) 0x3C00);
        assertThat(Fp16.fromFloat(-2f)).isEqualTo((short) 0xC000);
        assertThat(Fp16.fromFloat(65504f)).isEqualTo((short) 0x7BFF);
        assertThat(Fp16.fromFloat(65520f)).isEqualTo((short) 0x7C00);               // rounds up to infinity
        assertThat(Fp16.fromFloat(1f + 0x1p-11f)).isEqualTo((short) 0x3C00);       // tie → even
        assertThat(Fp16.fromFloat(1f + 3 * 0x1p-11f)).isEqualTo((short) 0x3C02);   // tie → even (up)
        assertThat(Fp16.fromFloat(0x1p-24f)).isEqualTo((short) 0x0001);           // smallest subnormal
        assertThat(Fp16.fromFloat(Float.NaN)).isEqualTo((short) 0x7E00);
        for (int h = 0; h < 0x7C00; h++) {
            assertThat(Fp16.fromFloat(Fp16.toFloat((short) h))).isEqualTo((short) h);
        }
    }
}
