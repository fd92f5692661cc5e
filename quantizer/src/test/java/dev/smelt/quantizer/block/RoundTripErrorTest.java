package dev.smelt.quantizer.block;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smelt.converter.gguf.GgmlType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * llama.cpp's tests/test-quantize-fns.cpp: 4096 values {@code 0.1 + 2·cos(i)}, quantized and dequantized,
 * must stay under its per-type RMSE limits (sqrt(Σd²)/n), with and without an importance matrix.
 */
class RoundTripErrorTest {
    private static final int N = 32 * 128;

    static float[] syntheticData(float offset) {
        float[] x = new float[N];
        for (int i = 0; i < N; i++) x[i] = (float) (0.1 + 2 * (double) (float) Math.cos((float) (i + offset)));
        return x;
    }

    static float limit(GgmlType t) {
        return switch (t) {
            case Q2_K -> 0.0075f;
            case Q3_K -> 0.0040f;
            default -> 0.002f;
        };
    }

    private static float rmse(float[] a, float[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            double d = a[i] - b[i];
            sum += d * d;
        }
        return (float) (Math.sqrt(sum) / a.length);
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q2_K", "Q3_K", "Q4_K",
            "Q5_K", "Q6_K", "IQ4_NL", "IQ4_XS"})
    void roundTripStaysUnderLlamaCppLimits(GgmlType type) {
        float[] x = syntheticData(0f);
        BlockQuantizer q = BlockQuantizer.of(type);
        assertThat(q.type()).isEqualTo(type);
        byte[] packed = new byte[(int) type.byteSize(N)];
        float[] back = new float[N];

        q.quantizeRow(x, 0, N, null, packed, 0);
        q.dequantizeRow(packed, 0, back, 0, N);
        assertThat(rmse(x, back)).as("%s reference path", type).isLessThan(limit(type));

        float[] importance = new float[N];
        for (int i = 0; i < N; i++) importance[i] = 1 + (i % 7);
        q.quantizeRow(x, 0, N, importance, packed, 0);
        q.dequantizeRow(packed, 0, back, 0, N);
        assertThat(rmse(x, back)).as("%s weighted path", type).isLessThan(limit(type));
    }
}
