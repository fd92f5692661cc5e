package dev.smelt.converter.arch;

/**
 * How a tensor's values move on their way into GGUF, expressed on its PyTorch rows (dim 0) and columns (the
 * remaining dims flattened): output row {@code r} comes from source row {@code rowOrder[r]}, output column
 * {@code c} from source column {@code colOrder[c]}, and every value then goes through {@code op}. Null orders
 * mean identity. Every transform llama.cpp's converter applies to the supported architectures (llama's q/k
 * RoPE permutation, Qwen3.5's V-head regrouping, {@code −exp}, {@code +1}) fits this shape, which lets a
 * tensor be streamed row by row instead of being loaded whole.
 */
public record RowTransform(int[] rowOrder, int[] colOrder, ElementOp op) {

    public static final RowTransform IDENTITY = new RowTransform(null, null, ElementOp.NONE);

    /** Elementwise value maps. */
    public enum ElementOp {
        NONE,
        /** Qwen3.5 {@code A_log} → {@code A = −exp(A_log)}. */
        NEG_EXP,
        /** (1+w) RMSNorm weights → plain multiplier {@code w + 1}. */
        PLUS_ONE;

        public float apply(float x) {
            return switch (this) {
                case NONE -> x;
                case NEG_EXP -> (float) -Math.exp(x);
                case PLUS_ONE -> x + 1f;
            };
        }
    }

    public boolean isIdentity() {
        return rowOrder == null && colOrder == null && op == ElementOp.NONE;
    }

    public RowTransform withOp(ElementOp newOp) {
        return new RowTransform(rowOrder, colOrder, newOp);
    }

    public RowTransform withRowOrder(int[] order) {
        return new RowTransform(order, colOrder, op);
    }

    public RowTransform withColOrder(int[] order) {
        return new RowTransform(rowOrder, order, op);
    }

    /**
     * llama.cpp's {@code LlamaModel.permute} for q/k projections: within each head, rows stored as two halves
     * (HF rotate-half layout) are interleaved into pairs (GGML's normal RoPE layout). Source view
     * {@code [heads, 2, headDim/2]} becomes {@code [heads, headDim/2, 2]}.
     */
    public static int[] llamaRopePermutation(int rows, int heads) {
        if (heads <= 0 || rows % heads != 0 || (rows / heads) % 2 != 0) {
            throw new IllegalArgumentException(rows + " rows cannot be split into " + heads + " heads of even size");
        }
        int headDim = rows / heads;
        int half = headDim / 2;
        int[] order = new int[rows];
        for (int h = 0; h < heads; h++) {
            for (int j = 0; j < half; j++) {
                for (int i = 0; i < 2; i++) {
                    order[h * headDim + 2 * j + i] = h * headDim + i * half + j;
                }
            }
        }
        return order;
    }

    /**
     * Qwen3.5 V-head regrouping (llama.cpp {@code _reorder_v_heads}): a block of {@code kHeads·vPerK} heads of
     * {@code headDim} rows stored grouped by K head {@code [g0v0, g0v1, …, g1v0, …]} becomes tiled
     * {@code [g0v0, g1v0, …, g0v1, g1v1, …]}, i.e. old head {@code g·r + j} moves to {@code j·kHeads + g}.
     * The returned order covers {@code total} rows; only rows {@code [start, start + kHeads·vPerK·headDim)} move.
     */
    public static int[] vHeadTiling(int total, int start, int kHeads, int vPerK, int headDim) {
        int span = kHeads * vPerK * headDim;
        if (start < 0 || start + span != total) {
            throw new IllegalArgumentException("V block [" + start + ", " + (start + span) + ") does not end at " + total);
        }
        int[] order = new int[total];
        for (int r = 0; r < start; r++) order[r] = r;
        for (int j = 0; j < vPerK; j++) {
            for (int g = 0; g < kHeads; g++) {
                for (int d = 0; d < headDim; d++) {
                    order[start + (j * kHeads + g) * headDim + d] = start + (g * vPerK + j) * headDim + d;
                }
            }
        }
        return order;
    }

    /** Applies the transform to a whole tensor held in memory (tests and tiny tensors). */
    public float[] apply(float[] src, int rows, int cols) {
        float[] out = new float[src.length];
        for (int r = 0; r < rows; r++) {
            int sr = rowOrder == null ? r : rowOrder[r];
            for (int c = 0; c < cols; c++) {
                int sc = colOrder == null ? c : colOrder[c];
                out[r * cols + c] = op.apply(src[sr * cols + sc]);
            }
        }
        return out;
    }
}
