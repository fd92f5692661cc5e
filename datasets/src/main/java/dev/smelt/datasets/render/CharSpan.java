package dev.smelt.datasets.render;

/** A half-open range {@code [start, end)} of UTF-16 indices into a rendered text. */
public record CharSpan(int start, int end) {
    public CharSpan {
        if (start < 0 || end < start) throw new IllegalArgumentException("bad span [" + start + ", " + end + ")");
    }

    public boolean isEmpty() {
        return start == end;
    }
}
