package dev.smelt.datasets.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.Batchifier;

/**
 * Stacks 1-D sequences of different lengths into {@code [batch, longest]}, padding the k-th array
 * of every record on the right with {@code padValues[k]} (pad token id for input ids, 0 for
 * positions and segment ids, -100 for labels).
 */
public final class PaddingBatchifier implements Batchifier {
    private static final long serialVersionUID = 1L;

    private final long[] padValues;

    public PaddingBatchifier(long... padValues) {
        this.padValues = padValues.clone();
    }

    @Override
    public NDList batchify(NDList[] inputs) {
        int arrays = inputs[0].size();
        if (arrays != padValues.length) {
            throw new IllegalArgumentException("records hold " + arrays + " arrays but " + padValues.length + " pad values were given");
        }
        NDList out = new NDList(arrays);
        for (int k = 0; k < arrays; k++) {
            long longest = 0;
            for (NDList record : inputs) longest = Math.max(longest, record.get(k).getShape().get(0));
            NDList column = new NDList(inputs.length);
            for (NDList record : inputs) {
                NDArray a = record.get(k);
                long missing = longest - a.getShape().get(0);
                column.add(missing == 0 ? a : a.concat(a.getManager().full(new Shape(missing), padValues[k], a.getDataType())));
            }
            NDArray stacked = NDArrays.stack(column);
            stacked.setName(inputs[0].get(k).getName());
            out.add(stacked);
        }
        return out;
    }

    @Override
    public NDList[] unbatchify(NDList inputs) {
        int batch = Math.toIntExact(inputs.head().getShape().get(0));
        NDList[] out = new NDList[batch];
        for (int b = 0; b < batch; b++) {
            out[b] = new NDList(inputs.size());
            for (NDArray a : inputs) out[b].add(a.get(b));
        }
        return out;
    }
}
