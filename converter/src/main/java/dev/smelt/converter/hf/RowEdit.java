package dev.smelt.converter.hf;

/**
 * A change to a tensor's source rows made as they stream through a {@link ConvertedTensor}, before its
 * {@link dev.smelt.converter.arch.RowTransform} moves them: a LoRA update merged on the fly, a factor folded into
 * an adapter's B matrix. {@code row} holds source row {@code sourceRow} (Hugging Face order) widened to float.
 */
@FunctionalInterface
public interface RowEdit {
    void apply(int sourceRow, float[] row);
}
