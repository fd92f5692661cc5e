package dev.smelt.converter.arch;

import static org.assertj.core.api.Assertions.assertThat;

import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

class RowTransformTest {
    /** numpy: w.reshape(n_head, 2, rows/n_head/2, cols).swapaxes(1, 2).reshape(rows, cols), written out literally. */
    static float[] numpyPermute(float[] w, int rows, int cols, int nHead) {
        int half = rows / nHead / 2;
        float[] out = new float[w.length];
        int o = 0;
        for (int h = 0; h < nHead; h++)
            for (int j = 0; j < half; j++)      // swapped axis order: (h, j, i)
                for (int i = 0; i < 2; i++)
                    for (int c = 0; c < cols; c++) out[o++] = w[((h * 2 + i) * half + j) * cols + c];
        return out;
    }

    @Test
    void llamaPermutationSmallExample() {
        assertThat(RowTransform.llamaRopePermutation(8, 2)).containsExactly(0, 2, 1, 3, 4, 6, 5, 7);
        assertThat(RowTransform.llamaRopePermutation(6, 1)).containsExactly(0, 3, 1, 4, 2, 5);
    }

    @Test
    void llamaPermutationMatchesNumpySemantics() {
        int rows = 48, cols = 5;
        float[] w = new float[rows * cols];
        for (int i = 0; i < w.length; i++) w[i] = i;
        for (int heads : new int[] {1, 2, 3, 4, 6}) {
            RowTransform t = RowTransform.IDENTITY.withRowOrder(RowTransform.llamaRopePermutation(rows, heads));
            assertThat(t.apply(w, rows, cols)).as("heads " + heads).containsExactly(numpyPermute(w, rows, cols, heads));
        }
    }

    @Test
    void vHeadTilingWithTwiceAsManyVHeads() {
        // Hk = 2, Hv = 4 (r = 2), one row per head: [g0v0, g0v1, g1v0, g1v1] → [g0v0, g1v0, g0v1, g1v1]
        assertThat(RowTransform.vHeadTiling(4, 0, 2, 2, 1)).containsExactly(0, 2, 1, 3);
        // head_dim 2 after 3 untouched q/k rows
        assertThat(RowTransform.vHeadTiling(11, 3, 2, 2, 2)).containsExactly(0, 1, 2, 3, 4, 7, 8, 5, 6, 9, 10);
        // old head g·r + j lands at j·Hk + g, Hk = 3, r = 2
        int[] o = RowTransform.vHeadTiling(6, 0, 3, 2, 1);
        for (int g = 0; g < 3; g++) for (int j = 0; j < 2; j++) assertThat(o[j * 3 + g]).isEqualTo(g * 2 + j);
        // equal head counts: identity
        assertThat(RowTransform.vHeadTiling(4, 0, 4, 1, 1)).containsExactly(0, 1, 2, 3);
    }

    @Test
    void columnsAndElementOps() {
        float[] w = {0, 1, 2, 3, 10, 11, 12, 13};
        RowTransform t = RowTransform.IDENTITY.withColOrder(RowTransform.vHeadTiling(4, 0, 2, 2, 1))
                .withOp(RowTransform.ElementOp.PLUS_ONE);
        assertThat(t.apply(w, 2, 4)).containsExactly(1, 3, 2, 4, 11, 13, 12, 14);
        assertThat(RowTransform.ElementOp.NEG_EXP.apply(0f)).isEqualTo(-1f);
        assertThat(RowTransform.ElementOp.NEG_EXP.apply((float) Math.log(2))).isEqualTo(-2f, Offset.offset(1e-6f));
    }
}
