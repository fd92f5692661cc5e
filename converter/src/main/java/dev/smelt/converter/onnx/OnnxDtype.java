package dev.smelt.converter.onnx;

import dev.smelt.core.SmeltException;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * What an exported model's weights and activations are, spelled as transformers.js's {@code dtype} option, with
 * the file suffix it looks for ({@code onnx/model{suffix}.onnx}). Inputs and outputs are float32 in every dtype.
 */
public enum OnnxDtype {
    FP32("fp32", "", ElementType.FLOAT, false),
    FP16("fp16", "_fp16", ElementType.FLOAT16, false),
    /**
     * Projections as dynamic int8 in standard ops (DynamicQuantizeLinear + MatMulInteger, weights per-row symmetric),
     * everything else float32: transformers.js's {@code q8}, file {@code model_quantized.onnx}.
     */
    Q8("q8", "_quantized", ElementType.FLOAT, false),
    /** Projections as 4-bit MatMulNBits (block 32, symmetric), everything else float32. */
    Q4("q4", "_q4", ElementType.FLOAT, true),
    /** Projections as 4-bit MatMulNBits with float16 scales, everything else float16. */
    Q4F16("q4f16", "_q4f16", ElementType.FLOAT16, true);

    private final String spelling;
    private final String suffix;
    private final ElementType activations;
    private final boolean int4;

    OnnxDtype(String spelling, String suffix, ElementType activations, boolean int4) {
        this.spelling = spelling;
        this.suffix = suffix;
        this.activations = activations;
        this.int4 = int4;
    }

    /** Whether the projections are 4-bit {@code MatMulNBits} (needs an {@link Int4Packing}). */
    public boolean int4() {
        return int4;
    }

    /** Whether the projections are dynamic int8 ({@code MatMulInteger}). */
    public boolean int8() {
        return this == Q8;
    }

    public String spelling() {
        return spelling;
    }

    /** {@code model{suffix}.onnx}, transformers.js's {@code DEFAULT_DTYPE_SUFFIX_MAPPING}. */
    public String suffix() {
        return suffix;
    }

    public ElementType activations() {
        return activations;
    }

    public String fileName() {
        return "model" + suffix + ".onnx";
    }

    public static String choices() {
        return Arrays.stream(values()).map(OnnxDtype::spelling).collect(Collectors.joining("|"));
    }

    public static OnnxDtype parse(String value) {
        for (OnnxDtype d : values()) if (d.spelling.equalsIgnoreCase(value)) return d;
        throw new SmeltException("ONNX dtype \"" + value + "\" is not supported (expected " + choices().replace("|", ", ") + ")");
    }
}
