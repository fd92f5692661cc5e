package dev.smelt.converter.onnx;

/**
 * Weight-only block quantization for com.microsoft {@code MatMulNBits} (block 32, symmetric: no zero points, so the
 * zero point is 2^(bits−1) and {@code w = (q − 8)·scale} for bits 4, {@code (q − 128)·scale} for bits 8). The
 * converter builds the graph; the {@code quantizer} module, which owns the block quantizers, supplies the
 * implementation.
 */
public interface Int4Packing {
    int BLOCK = 32;

    /**
     * Quantizes {@code rows} rows of {@code k} floats ({@code k} a multiple of {@link #BLOCK}) from {@code x} to 4 bits.
     *
     * @param packed receives {@code rows · k/2} bytes: per row and block, element j of the block in byte j/2, even j
     *               in the low nibble (MatMulNBits' {@code B} layout)
     * @param scales receives {@code rows · k/32} scales
     */
    void pack(float[] x, int rows, int k, byte[] packed, float[] scales);

    /**
     * Quantizes like {@link #pack} to 8 bits (MatMulNBits bits 8): {@code codes} receives {@code rows · k} bytes,
     * element j of a block in byte j, {@code w = (q − 128)·scale}.
     */
    void pack8(float[] x, int rows, int k, byte[] codes, float[] scales);
}
