package dev.smelt.quantizer.block;

import dev.smelt.converter.gguf.GgmlType;
import dev.smelt.core.SmeltException;

/**
 * One ggml block type: quantizes a row of floats into blocks and back, producing exactly the bytes
 * llama.cpp's {@code ggml_quantize_chunk} writes for the same row. Without an importance matrix this is
 * llama.cpp's reference path ({@code quantize_row_*_ref}); with one ({@code importance}: one non-negative
 * weight per column of the row), the weighted path ({@code quantize_*_impl}). Implementations are stateless
 * and thread-safe; scratch space is O(block), allocated per call, except Q6_K's search scratch (a few KiB per
 * thread, reused: allocating it per row cost more than the search).
 */
public sealed interface BlockQuantizer
        permits Q8_0Quantizer, Q4_0Quantizer, Q4_1Quantizer, Q5_0Quantizer, Q5_1Quantizer, Q2KQuantizer,
        Q3KQuantizer, Q4KQuantizer, Q5KQuantizer, Q6KQuantizer, IQ4NLQuantizer, IQ4XSQuantizer {

    GgmlType type();

    /**
     * Quantizes {@code n} floats {@code x[xOff..xOff+n)} (one tensor row; n a multiple of the block size) into
     * {@code dst[dstOff..]}, {@code type().byteSize(n)} bytes. {@code importance} is null or holds at least n
     * weights for the row's columns.
     */
    void quantizeRow(float[] x, int xOff, int n, float[] importance, byte[] dst, int dstOff);

    /** Expands {@code n} values of blocks at {@code src[srcOff..]} into {@code y[yOff..yOff+n)}. */
    void dequantizeRow(byte[] src, int srcOff, float[] y, int yOff, int n);

    default int blockSize() {
        return type().blockSize();
    }

    /** Whether a row of this length can be stored in this type. */
    default boolean fitsRow(long rowLength) {
        return rowLength % blockSize() == 0;
    }

    /** The quantizer that produces {@code type}; throws for types Smelt does not write. */
    static BlockQuantizer of(GgmlType type) {
        return switch (type) {
            case Q8_0 -> Q8_0Quantizer.INSTANCE;
            case Q4_0 -> Q4_0Quantizer.INSTANCE;
            case Q4_1 -> Q4_1Quantizer.INSTANCE;
            case Q5_0 -> Q5_0Quantizer.INSTANCE;
            case Q5_1 -> Q5_1Quantizer.INSTANCE;
            case Q2_K -> Q2KQuantizer.INSTANCE;
            case Q3_K -> Q3KQuantizer.INSTANCE;
            case Q4_K -> Q4KQuantizer.INSTANCE;
            case Q5_K -> Q5KQuantizer.INSTANCE;
            case Q6_K -> Q6KQuantizer.INSTANCE;
            case IQ4_NL -> IQ4NLQuantizer.INSTANCE;
            case IQ4_XS -> IQ4XSQuantizer.INSTANCE;
            default -> throw new SmeltException("Smelt cannot quantize to " + type
                    + "; supported: Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, IQ4_NL, IQ4_XS");
        };
    }

    static boolean supports(GgmlType type) {
        return switch (type) {
            case Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, IQ4_NL, IQ4_XS -> true;
            default -> false;
        };
    }

    /** Sum of squares of a row, in ggml's order (the sigma² of the weighted paths). */
    static float sumOfSquares(float[] x, int off, int n) {
        float s = 0;
        for (int j = 0; j < n; ++j) s += x[off + j] * x[off + j];
        return s;
    }
}
