package dev.smelt.converter.onnx;

/** One axis of a graph input or output: a fixed size, or a symbolic name such as {@code batch_size}. */
public record Dim(long value, String param) {
    public static Dim of(long value) {
        return new Dim(value, null);
    }

    public static Dim named(String param) {
        return new Dim(-1, param);
    }

    public boolean symbolic() {
        return param != null;
    }

    @Override
    public String toString() {
        return symbolic() ? param : Long.toString(value);
    }
}
