package dev.smelt.models.qwen35;

import dev.smelt.core.SmeltException;
import java.util.List;

/**
 * Qwen3.5's (temporal, height, width) rotary positions for a prompt with images (transformers' {@code get_rope_index}):
 * a text token gets {@code cur} on all three axes and advances it by one; an image of {@code lh x lw} merged
 * tokens (raster order, token k at row k / lw, column k % lw) gets t = cur, h = cur + row, w = cur + column and
 * advances {@code cur} by {@code max(lh, lw)}. Later tokens (decoding) sit at {@code cache length + ropeDelta} on all
 * axes, {@code ropeDelta = last position + 1 - tokens} (negative with images).
 *
 * @param positions {@code [3][T]}: temporal, height, width
 * @param next      the position the next token takes ({@code max + 1})
 */
public record MultimodalPositions(long[][] positions, long next) {

    /**
     * Positions of {@code ids}, the first token at {@code start}; each run of {@code imageTokenId} must be exactly one
     * image of {@code grids.get(i) = {lh, lw}} tokens, in order.
     */
    public static MultimodalPositions of(long[] ids, int imageTokenId, List<int[]> grids, long start) {
        int t = ids.length;
        long[][] pos = new long[3][t];
        long cur = start;
        int image = 0;
        int i = 0;
        while (i < t) {
            if (ids[i] != imageTokenId) {
                pos[0][i] = pos[1][i] = pos[2][i] = cur++;
                i++;
                continue;
            }
            if (image >= grids.size()) {
                throw new SmeltException("the prompt has more image placeholder tokens than images (" + grids.size() + ")");
            }
            int lh = grids.get(image)[0], lw = grids.get(image)[1];
            int n = lh * lw;
            if (i + n > t) throw new SmeltException("image " + (image + 1) + " needs " + n + " placeholder tokens, the prompt has " + (t - i));
            for (int k = 0; k < n; k++) {
                if (ids[i + k] != imageTokenId) {
                    throw new SmeltException("image " + (image + 1) + " needs " + n + " consecutive placeholder tokens, found " + k);
                }
                pos[0][i + k] = cur;
                pos[1][i + k] = cur + k / lw;
                pos[2][i + k] = cur + k % lw;
            }
            cur += Math.max(lh, lw);
            i += n;
            image++;
        }
        if (image != grids.size()) {
            throw new SmeltException("the prompt has placeholder tokens for " + image + " image(s) but " + grids.size() + " were given");
        }
        return new MultimodalPositions(pos, cur);
    }
}
