package dev.smelt.converter.onnx;

/**
 * Weight-only 4-bit quantization for com.microsoft {@code MatMulNBits} (bits 4, block 32, symmetric: no zero points,
 * so the zero point is 8 and {@code w = (q − 8)·scale}). The converter builds the graph; the {@code quantizer}
 * module, which owns the block quantizers, supplies the implementation.
 */
public interface Int4Packing {
    int BLOCK = 32;

    /**
     * Quantizes {@code rows} rows of {@code k} floats ({@code k} a multiple of {@link #BLOCK}) from {@code x}.
     *
     * @param packed receives {@code rows · k/2} bytes: per row and block, element j of the block in byte j/2, even j
     *               in the low nibble (MatMulNBits' {@code B} layout)
     * @param scales receives {@code rows · k/32} scales
     */
    void pack(float[] x, int rows, int k, byte[] packed, float[] scales);
}
