package dev.smelt.converter.onnx;

/** TensorProto.DataType values Smelt writes, with their element size. */
public enum ElementType {
    FLOAT(1, 4),
    UINT8(2, 1),
    INT32(6, 4),
    INT64(7, 8),
    BOOL(9, 1),
    FLOAT16(10, 2);

    private final int code;
    private final int bytes;

    ElementType(int code, int bytes) {
        this.code = code;
        this.bytes = bytes;
    }

    /** The onnx.proto enum value. */
    public int code() {
        return code;
    }

    public int byteSize() {
        return bytes;
    }
}
