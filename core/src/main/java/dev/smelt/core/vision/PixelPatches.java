package dev.smelt.core.vision;

/**
 * One image ready for the vision encoder: {@code gridT * gridH * gridW} rows of {@code C * Tp * P * P} floats
 * ({@code pixel_values}), rows in 2x2-block-major order (merge blocks in raster order, inside a block (0,0), (0,1),
 * (1,0), (1,1)), each row laid out (channel, frame, y, x); {@code image_grid_thw} = {gridT, gridH, gridW} in patches.
 *
 * @param resizedWidth  width in pixels after the resize (gridW * patch)
 * @param resizedHeight height in pixels after the resize (gridH * patch)
 */
public record PixelPatches(float[] values, int gridT, int gridH, int gridW, int rowLength, int mergeSize,
        int resizedWidth, int resizedHeight) {

    public int numPatches() {
        return gridT * gridH * gridW;
    }

    /** Tokens the image occupies in the language model: patches / merge². */
    public int numTokens() {
        return numPatches() / (mergeSize * mergeSize);
    }

    /** (row, col) of patch {@code n} in the patch grid, for the block-major order. */
    public int[] patchPosition(int n) {
        int m = mergeSize;
        int inCol = n % m, inRow = (n / m) % m;
        int blocksPerRow = gridW / m;
        int block = (n / (m * m)) % (gridH / m * blocksPerRow);
        int br = block / blocksPerRow, bc = block % blocksPerRow;
        return new int[] {br * m + inRow, bc * m + inCol};
    }
}
