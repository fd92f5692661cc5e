package dev.smelt.converter.onnx;

import java.util.List;

/**
 * Quantized projections {@code x · Wᵀ} shared by the decoder graphs: 4- or 8-bit weight-only com.microsoft
 * {@code MatMulNBits}, or dynamic int8 in standard ops (transformers.js's {@code q8}, {@code _quantized}):
 * {@code DynamicQuantizeLinear(x)} → uint8 codes, scale, zero point; {@code MatMulInteger} against the weight's
 * uint8 codes (per output row symmetric, {@code w = (q − 128)·s_row}, transposed once by a Transpose onnxruntime
 * folds at load) → int32; cast to float and scaled by {@code x_scale · s_row}. Both operands are uint8 (u8u8), which
 * onnxruntime's x86 kernels compute without the u8s8 saturation of AVX2's 16-bit pair sums.
 */
final class QuantizedProjection {
    private QuantizedProjection() {}

    /** Whether {@code q} (from {@link OnnxExport}) holds int8 rows rather than MatMulNBits blocks. */
    static boolean int8(Weight[] q) {
        return q[0].dims().length == 2;
    }

    /** {@code x · Wᵀ} for a weight of {@code n} rows of {@code k}; {@code x} float32 for int8. */
    static String apply(GraphBuilder g, String x, Weight[] q, long n, long k) {
        if (int8(q)) {
            String[] dq = g.opMulti("DynamicQuantizeLinear", 3, List.of(), x);
            String codes = g.op("Transpose", List.of(Attr.ints("perm", 1, 0)), g.weight(q[0])); // [K, N]
            String acc = g.op("MatMulInteger", dq[0], codes, dq[2], g.uint8Scalar(Int8Rows.ZERO_POINT));
            String scale = g.op("Mul", g.weight(q[1]), dq[1]); // [N]
            return g.op("Mul", g.op("Cast", List.of(Attr.i("to", ElementType.FLOAT.code())), acc), scale);
        }
        long bits = q[0].dims()[2] * 8 / Int4Packing.BLOCK; // B is [N, K/32, 32·bits/8]
        List<Attr> attrs = List.of(Attr.i("K", k), Attr.i("N", n), Attr.i("bits", bits), Attr.i("block_size", Int4Packing.BLOCK));
        return g.contribOp("MatMulNBits", attrs, x, g.weight(q[0]), g.weight(q[1]));
    }
}
