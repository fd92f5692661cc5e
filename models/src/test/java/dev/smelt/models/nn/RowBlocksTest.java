package dev.smelt.models.nn;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A single row's projection over row blocks gives linear's output exactly; anything else is linear itself. */
class RowBlocksTest {
    static NDManager manager;

    @BeforeAll
    static void start() {
        manager = NDManager.newBaseManager(Device.cpu());
    }

    @AfterAll
    static void stop() {
        manager.close();
    }

    @Test
    void oneRowOverBlocksEqualsLinearExactly() {
        try (NDManager m = manager.newSubManager()) {
            for (long[] s : new long[][] {{1280, 768}, {768, 2304}, {384, 256}}) {
                NDArray w = m.randomNormal(new Shape(s[0], s[1]));
                NDArray b = m.randomNormal(new Shape(s[0]));
                NDArray x = m.randomNormal(new Shape(1, 1, s[1]));
                for (int k : new int[] {2, 3, 4, 5}) {
                    RowBlocks blocks = new RowBlocks(k);
                    assertThat(blocks.blocks(x, w)).isEqualTo(s[0] % k == 0 && s[0] / k * s[1] >= RowBlocks.MIN_BLOCK ? k : 1);
                    for (NDArray bias : new NDArray[] {null, b}) {
                        float[] expected = ai.djl.nn.core.Linear.linear(x, w, bias).singletonOrThrow().toFloatArray();
                        NDArray got = blocks.project(x, w, bias);
                        assertThat(got.getShape()).isEqualTo(new Shape(1, 1, s[0]));
                        assertThat(got.toFloatArray()).as("%s, %d blocks, bias %s", new Shape(s), k, bias != null)
                                .containsExactly(expected);
                    }
                }
            }
        }
    }

    @Test
    void severalRowsUnevenRowsAndOtherTypesAreLinear() {
        try (NDManager m = manager.newSubManager()) {
            NDArray w = m.randomNormal(new Shape(10, 8));
            NDArray rows = m.randomNormal(new Shape(1, 3, 8));
            NDArray one = m.randomNormal(new Shape(1, 8));
            RowBlocks four = new RowBlocks(4);
            assertThat(four.project(rows, w, null).toFloatArray())
                    .containsExactly(ai.djl.nn.core.Linear.linear(rows, w, null).singletonOrThrow().toFloatArray());
            assertThat(four.blocks(rows, w)).isEqualTo(1);
            assertThat(four.blocks(m.randomNormal(new Shape(1, 256)), m.randomNormal(new Shape(510, 256)))).as("uneven").isEqualTo(1);
            assertThat(four.project(one, w, null).getShape()).isEqualTo(new Shape(1, 10));
            NDArray w16 = w.toType(DataType.FLOAT16, false);
            NDArray one16 = one.toType(DataType.FLOAT16, false);
            assertThat(new RowBlocks(2).project(one16, w16, null).toFloatArray())
                    .containsExactly(ai.djl.nn.core.Linear.linear(one16, w16, null).singletonOrThrow().toFloatArray());
            // below MIN_BLOCK libtorch's own loop would multiply the blocks, in another order than linear
            assertThat(new RowBlocks(2).project(one, w, null).toFloatArray())
                    .containsExactly(ai.djl.nn.core.Linear.linear(one, w, null).singletonOrThrow().toFloatArray());
            RowBlocks two = new RowBlocks(2);
            NDArray big = m.randomNormal(new Shape(512, 256));
            NDArray x = m.randomNormal(new Shape(1, 256));
            two.project(x, big, null);
            NDArray other = big.mul(2f);
            assertThat(two.project(x, other, null).toFloatArray()).as("a new weight array is seen")
                    .containsExactly(ai.djl.nn.core.Linear.linear(x, other, null).singletonOrThrow().toFloatArray());
        }
    }
}
