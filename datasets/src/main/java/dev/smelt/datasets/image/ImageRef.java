package dev.smelt.datasets.image;

import java.nio.file.Path;

/**
 * One image of a training example: its file and the grid of merged tokens it becomes ({@code rows x cols}, after the
 * image processor's resize), so {@link #tokens()} placeholder tokens stand for it in the token ids.
 */
public record ImageRef(Path file, int rows, int cols) {
    public ImageRef {
        if (rows < 1 || cols < 1) throw new IllegalArgumentException("image grid must be positive: " + rows + "x" + cols);
    }

    public int tokens() {
        return rows * cols;
    }
}
