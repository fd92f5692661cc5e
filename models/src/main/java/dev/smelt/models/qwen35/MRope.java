package dev.smelt.models.qwen35;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.smelt.core.SmeltException;
import dev.smelt.models.nn.Scalars;
import java.util.List;

/**
 * Multimodal rotary tables for Qwen3.5's partial rotary: {@code rotaryDim} channels per head (64 of 256), their
 * {@code rotaryDim/2} frequencies split between three position streams (temporal, height, width) by
 * {@code mrope_section}, interleaved (Qwen3-VL, Qwen3.5, llama.cpp's IMROPE): frequency j reads the height stream
 * when j ≡ 1 (mod 3) and j &lt; 3·section[1], the width stream when j ≡ 2 (mod 3) and j &lt; 3·section[2], else the
 * temporal one. transformers' Qwen3.5 and llama.cpp's qwen35 always interleave, whatever
 * {@code mrope_interleaved} says, and so does this class. As in transformers, the sections need not sum to
 * {@code rotaryDim/2}: a checkpoint written with the default {@code [11, 11, 10]} but a small head uses the
 * frequencies that exist (transformers takes the slice {@code [offset : 3·s : 3]} of a shorter axis), and entries
 * beyond the third are ignored.
 * Text tokens have the same position in all three streams, which reduces this to plain 1-D rotary; the tables
 * use HF's rotate-half layout, so {@link dev.smelt.models.nn.RotaryEmbedding#apply} rotates with them.
 */
public final class MRope {
    private final float[] invFreq;
    private final int[] stream;

    public MRope(int rotaryDim, double theta, List<Integer> section) {
        int half = rotaryDim / 2;
        if (rotaryDim % 2 != 0) {
            throw new SmeltException("rotary dimension " + rotaryDim + " (head_dim × partial_rotary_factor) is odd; Smelt rotates"
                    + " channel pairs only");
        }
        if (section.size() < 3) {
            throw new SmeltException("rope_parameters.mrope_section " + section
                    + " must hold 3 sizes (temporal, height, width)");
        }
        invFreq = new float[half];
        stream = new int[half];
        for (int j = 0; j < half; j++) {
            invFreq[j] = (float) (1.0 / Math.pow(theta, (2.0 * j) / rotaryDim));
            if (j % 3 == 1 && j < 3 * section.get(1)) stream[j] = 1;
            else if (j % 3 == 2 && j < 3 * section.get(2)) stream[j] = 2;
        }
    }

    /** Which stream (0 temporal, 1 height, 2 width) each rotary frequency reads. */
    public int[] streams() {
        return stream.clone();
    }

    /**
     * cos and sin {@code [B, 1, T, rotaryDim]} for text positions {@code [B, T]} (all streams equal) or
     * multimodal positions {@code [3, B, T]}.
     */
    public NDList tables(NDArray positions, DataType dtype) {
        NDManager m = positions.getManager();
        NDArray pos = positions.toType(DataType.FLOAT32, false);
        NDArray inv = Scalars.owned(m.create(invFreq));
        NDArray freqs;
        if (pos.getShape().dimension() == 2) {
            freqs = pos.expandDims(-1).mul(inv.reshape(1, 1, invFreq.length));
        } else {
            float[] onehot = new float[3 * invFreq.length];
            for (int j = 0; j < invFreq.length; j++) onehot[stream[j] * invFreq.length + j] = 1f;
            NDArray select = Scalars.owned(m.create(onehot)).reshape(3, 1, 1, invFreq.length);
            freqs = pos.expandDims(-1).mul(select).sum(new int[] {0}).mul(inv.reshape(1, 1, invFreq.length));
        }
        NDArray emb = freqs.concat(freqs, -1).expandDims(1);
        NDArray cos = emb.cos();
        NDArray sin = emb.sin();
        if (dtype != DataType.FLOAT32) {
            cos = cos.toType(dtype, false);
            sin = sin.toType(dtype, false);
        }
        return new NDList(cos, sin);
    }
}
