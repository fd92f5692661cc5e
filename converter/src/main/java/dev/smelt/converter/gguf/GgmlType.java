package dev.smelt.converter.gguf;

import dev.smelt.core.SmeltException;

/**
 * ggml tensor element types as stored in GGUF tensor infos: type id, elements per block and bytes per block
 * (values of gguf-py's GGML_QUANT_SIZES). The table lists every type a current llama.cpp may write so that
 * any GGUF can be read and sized; which types Smelt can <em>produce</em> is decided by the converter and
 * quantizer, not here.
 */
public enum GgmlType {
    F32(0, 1, 4),
    F16(1, 1, 2),
    Q4_0(2, 32, 18),
    Q4_1(3, 32, 20),
    Q5_0(6, 32, 22),
    Q5_1(7, 32, 24),
    Q8_0(8, 32, 34),
    Q8_1(9, 32, 36),
    Q2_K(10, 256, 84),
    Q3_K(11, 256, 110),
    Q4_K(12, 256, 144),
    Q5_K(13, 256, 176),
    Q6_K(14, 256, 210),
    Q8_K(15, 256, 292),
    IQ2_XXS(16, 256, 66),
    IQ2_XS(17, 256, 74),
    IQ3_XXS(18, 256, 98),
    IQ1_S(19, 256, 50),
    IQ4_NL(20, 32, 18),
    IQ3_S(21, 256, 110),
    IQ2_S(22, 256, 82),
    IQ4_XS(23, 256, 136),
    I8(24, 1, 1),
    I16(25, 1, 2),
    I32(26, 1, 4),
    I64(27, 1, 8),
    F64(28, 1, 8),
    IQ1_M(29, 256, 56),
    BF16(30, 1, 2),
    TQ1_0(34, 256, 54),
    TQ2_0(35, 256, 66),
    MXFP4(39, 32, 17);

    private final int id;
    private final int blockSize;
    private final int bytesPerBlock;

    GgmlType(int id, int blockSize, int bytesPerBlock) {
        this.id = id;
        this.blockSize = blockSize;
        this.bytesPerBlock = bytesPerBlock;
    }

    public int id() {
        return id;
    }

    /** Elements per block (1 for plain element types). */
    public int blockSize() {
        return blockSize;
    }

    public int bytesPerBlock() {
        return bytesPerBlock;
    }

    public boolean isQuantized() {
        return blockSize > 1;
    }

    /** Bytes of a tensor with {@code numElements} elements; the count must be a whole number of blocks. */
    public long byteSize(long numElements) {
        if (numElements % blockSize != 0) {
            throw new IllegalArgumentException(numElements + " elements is not a multiple of the " + name()
                    + " block size " + blockSize);
        }
        return Math.multiplyExact(numElements / blockSize, (long) bytesPerBlock);
    }

    /** Bits per weight, e.g. 4.5 for Q4_K. */
    public double bitsPerWeight() {
        return bytesPerBlock * 8.0 / blockSize;
    }

    public static GgmlType ofId(long id) {
        GgmlType t = ofIdOrNull(id);
        if (t == null) throw new SmeltException("unknown ggml type id " + id);
        return t;
    }

    public static GgmlType ofIdOrNull(long id) {
        for (GgmlType t : values()) {
            if (t.id == id) return t;
        }
        return null;
    }
}
