package dev.smelt.trainer.sft;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.smelt.models.nn.Casts;

/** Summed next-token cross-entropy over positions whose target is not -100, computed in float32. */
public final class MaskedCrossEntropy {
    private MaskedCrossEntropy() {}

    /**
     * @param logits  [B, T, V]
     * @param targets [B, T] int64, -100 where not trained
     * @return the scalar sum of −log p(target) over trained positions
     */
    public static NDArray sum(NDArray logits, NDArray targets) {
        NDArray lf = Casts.toFloat32(logits); // DJL's toType would cut the gradient path
        NDArray valid = targets.gte(0);
        NDArray safe = targets.mul(valid.toType(DataType.INT64, false));
        NDArray logp = lf.logSoftmax(-1);
        NDArray picked = logp.gather(safe.expandDims(-1), -1).squeeze(-1);
        return picked.mul(valid.toType(DataType.FLOAT32, false)).sum().neg();
    }
}
