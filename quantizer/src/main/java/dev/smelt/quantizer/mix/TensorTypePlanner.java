package dev.smelt.quantizer.mix;

import dev.smelt.converter.gguf.GgmlType;
import dev.smelt.converter.gguf.vocab.MappedTensor;
import dev.smelt.core.SmeltException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Chooses each tensor's type for a {@link QuantMix} as llama-quantize does (llama-quant.cpp:
 * {@code tensor_allows_quantization}, {@code llama_tensor_get_type_impl}, {@code tensor_type_fallback}).
 * The layer-dependent rules count attn_v-like and ffn_down tensors in llama.cpp's tensor order
 * ({@link #LLAMA_ORDER}: non-layer tensors by name, then layer by layer, by name), so callers must plan the
 * tensors in that order.
 */
public final class TensorTypePlanner {

    /** One tensor to plan: GGUF name, dims (innermost first) and current type. */
    public record Tensor(String name, long[] dims, GgmlType type) {}

    /** A planned tensor: its target type, equal to the current type when it is copied unchanged. */
    public record Planned(Tensor tensor, GgmlType target, boolean fellBack) {
        public boolean changes() {
            return target != tensor.type();
        }
    }

    private static final Pattern LAYER = Pattern.compile("^blk\\.(-?\\d+)\\.");

    /** llama_model_loader's weight order: layer index (−1 outside blk.N.), then name. */
    public static final Comparator<String> LLAMA_ORDER =
            Comparator.comparingInt(TensorTypePlanner::layerOf).thenComparing(Comparator.naturalOrder());

    static int layerOf(String name) {
        Matcher m = LAYER.matcher(name);
        if (!m.find()) return -1;
        try {
            return Integer.parseInt(m.group(1));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private final QuantMix mix;
    private final ModelFacts model;
    private final boolean pure;
    private final boolean hasImatrix;

    private int nAttentionWv;
    private int iAttentionWv;
    private int iFfnDown;
    private boolean tiedEmbeddings;

    /**
     * @param pure like llama-quantize --pure: every quantizable tensor gets the mix's default type (still
     *             with the block-size fallback)
     */
    public TensorTypePlanner(QuantMix mix, ModelFacts model, boolean pure, boolean hasImatrix) {
        this.mix = mix;
        this.model = model;
        this.pure = pure;
        this.hasImatrix = hasImatrix;
    }

    /** Plans all tensors of a model; {@code tensors} must be in {@link #LLAMA_ORDER}. */
    public List<Planned> plan(List<Tensor> tensors) {
        nAttentionWv = 0;
        iAttentionWv = 0;
        iFfnDown = 0;
        tiedEmbeddings = true;
        for (Tensor t : tensors) {
            TensorCategory c = TensorCategory.of(t.name());
            if (c.isAttentionV()) nAttentionWv++;
            if (c == TensorCategory.OUTPUT) tiedEmbeddings = false;
        }
        List<Planned> out = new ArrayList<>(tensors.size());
        for (Tensor t : tensors) {
            if (!allowsQuantization(t)) {
                out.add(new Planned(t, t.type(), false));
                continue;
            }
            GgmlType chosen = pure ? mix.defaultType() : refine(t, mix.defaultType(), TensorCategory.of(t.name()));
            GgmlType fitted = fallback(t, chosen);
            out.add(new Planned(t, fitted, fitted != chosen));
        }
        return out;
    }

    /** tensor_allows_quantization for the tensor families Smelt's architectures (and llama.cpp's common ones) have. */
    static boolean allowsQuantization(Tensor t) {
        if (nDims(t.dims()) < 2) return false;
        String name = t.name();
        Optional<MappedTensor> known = MappedTensor.parse(name);
        if (known.isPresent()) return !known.get().isBias() && !known.get().kind().keepsF32();
        if (!name.endsWith("weight")) return false;
        if (name.contains("_norm.weight")) return false;
        for (String keep : KEEP) {
            if (name.contains(keep)) return false;
        }
        return !name.equals("position_embd.weight") && !name.equals("token_types.weight");
    }

    /** Tensors of other architectures that llama-quantize never quantizes. */
    private static final String[] KEEP = {
        "ffn_gate_inp.weight", "ffn_gate_tid2eid.weight", "altup", "laurel", "per_layer_model_proj", "ssm_conv1d",
        "shortconv.conv.weight", "indexer.k_proj.weight", "indexer.q_proj.weight", "time_mix_first.weight",
        "time_mix_w0.weight", "time_mix_w1.weight", "time_mix_w2.weight", "time_mix_v0.weight", "time_mix_v1.weight",
        "time_mix_v2.weight", "time_mix_a0.weight", "time_mix_a1.weight", "time_mix_a2.weight", "time_mix_g1.weight",
        "time_mix_g2.weight", "time_mix_decay_w1.weight", "time_mix_decay_w2.weight", "time_mix_lerp_fused.weight",
        "attn_rel_b.weight", ".position_embd", "sam.pos_embd", "sam.neck.", "sam.net_", ".rel_pos", ".patch_embd",
        ".patch_merger", "a.rvq.codebook", "mm.a.code_embd",
    };

    /** ggml_n_dims: index of the last dimension larger than 1, plus one. */
    static int nDims(long[] dims) {
        for (int i = dims.length - 1; i >= 1; --i) {
            if (dims[i] > 1) return i + 1;
        }
        return 1;
    }

    private static boolean useMoreBits(int i, int n) {
        return i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2;
    }

    /** llama_tensor_get_type_impl, restricted to the mixes of {@link QuantMix}. */
    private GgmlType refine(Tensor t, GgmlType type, TensorCategory category) {
        QuantMix f = mix;
        if (category == TensorCategory.OUTPUT || (tiedEmbeddings && category == TensorCategory.TOKEN_EMBD)) {
            long nx = t.dims()[0];
            if (model.isFalcon() || nx % type.blockSize() != 0) return GgmlType.Q8_0;
            return type != GgmlType.Q8_0 ? GgmlType.Q6_K : type;
        }
        if (category == TensorCategory.TOKEN_EMBD) return type;
        if (category.isAttentionV()) {
            if (f == QuantMix.Q2_K) {
                type = model.gqa() >= 4 ? GgmlType.Q4_K : GgmlType.Q3_K;
            } else if (f == QuantMix.Q3_K_M) {
                type = iAttentionWv < 2 ? GgmlType.Q5_K : GgmlType.Q4_K;
            } else if (f == QuantMix.Q3_K_L) {
                type = GgmlType.Q5_K;
            } else if ((f == QuantMix.IQ4_NL || f == QuantMix.IQ4_XS) && model.gqa() >= 4) {
                type = GgmlType.Q5_K;
            } else if ((f == QuantMix.Q4_K_M || f == QuantMix.Q5_K_M) && useMoreBits(iAttentionWv, nAttentionWv)) {
                type = GgmlType.Q6_K;
            } else if (f == QuantMix.Q4_K_S && iAttentionWv < 4) {
                type = GgmlType.Q5_K;
            }
            if (model.is70B() && (type == GgmlType.Q3_K || type == GgmlType.Q4_K)) type = GgmlType.Q5_K;
            if (model.experts() == 8) type = GgmlType.Q8_0;
            ++iAttentionWv;
            return type;
        }
        if (category == TensorCategory.ATTENTION_K) {
            return model.experts() == 8 ? GgmlType.Q8_0 : type;
        }
        if (category == TensorCategory.FFN_DOWN) {
            int iLayer = iFfnDown;
            int nLayer = model.layers();
            if (model.experts() > 1) {
                iLayer = layerOf(t.name());
                if (iLayer < 0 || iLayer >= nLayer) {
                    throw new SmeltException("tensor \"" + t.name() + "\": layer " + iLayer
                            + " outside [0, " + nLayer + ")");
                }
            }
            boolean falcon = model.isFalcon();
            if (f == QuantMix.Q2_K) {
                type = GgmlType.Q3_K;
            } else if (f == QuantMix.Q3_K_M) {
                type = iLayer < nLayer / 16 ? GgmlType.Q5_K
                        : !falcon || useMoreBits(iLayer, nLayer) ? GgmlType.Q4_K : GgmlType.Q3_K;
            } else if (f == QuantMix.Q3_K_L) {
                type = falcon ? GgmlType.Q4_K : GgmlType.Q5_K;
            } else if (f == QuantMix.Q4_K_M) {
                if (falcon) {
                    type = iLayer < nLayer / 16 ? GgmlType.Q6_K : useMoreBits(iLayer, nLayer) ? GgmlType.Q5_K : GgmlType.Q4_K;
                } else if (useMoreBits(iLayer, nLayer)) {
                    type = GgmlType.Q6_K;
                }
            } else if (iLayer < nLayer / 8 && (f == QuantMix.IQ4_NL || f == QuantMix.IQ4_XS) && !hasImatrix) {
                type = GgmlType.Q5_K;
            } else if (f == QuantMix.Q5_K_M && useMoreBits(iLayer, nLayer)) {
                type = GgmlType.Q6_K;
            } else if (f == QuantMix.Q4_K_S && !falcon && iLayer < nLayer / 8) {
                type = GgmlType.Q5_K;
            } else if ((f == QuantMix.Q4_0 || f == QuantMix.Q5_0) && hasImatrix && iLayer < nLayer / 8) {
                type = f == QuantMix.Q4_0 ? GgmlType.Q4_1 : GgmlType.Q5_1;
            }
            ++iFfnDown;
            return type;
        }
        if (category == TensorCategory.ATTENTION_OUTPUT) {
            if (!model.isFalcon()) {
                if (model.experts() == 8) {
                    if (f == QuantMix.Q2_K || f == QuantMix.Q3_K_S || f == QuantMix.Q3_K_M || f == QuantMix.IQ4_NL
                            || f == QuantMix.Q4_K_S || f == QuantMix.Q4_K_M || f == QuantMix.IQ4_XS) {
                        type = GgmlType.Q5_K;
                    }
                } else if (f == QuantMix.Q2_K) {
                    type = GgmlType.Q3_K;
                } else if (f == QuantMix.Q3_K_M) {
                    type = GgmlType.Q4_K;
                } else if (f == QuantMix.Q3_K_L) {
                    type = GgmlType.Q5_K;
                }
            } else if (f == QuantMix.Q3_K_L) {
                type = GgmlType.Q4_K;
            }
            return type;
        }
        return type;
    }

    /** True for the token embedding (and other architectures' per-layer token embedding). */
    public static boolean isTokenEmbedding(String name) {
        return TensorCategory.of(name) == TensorCategory.TOKEN_EMBD;
    }

    /** tensor_type_fallback: a type whose block does not divide the row length is replaced. */
    static GgmlType fallback(Tensor t, GgmlType target) {
        long ncols = t.dims()[0];
        if (ncols % target.blockSize() == 0) return target;
        GgmlType r = switch (target) {
            case IQ4_XS -> GgmlType.IQ4_NL;
            case Q2_K, Q3_K -> GgmlType.Q4_0;
            case Q4_K -> GgmlType.Q5_0;
            case Q5_K -> GgmlType.Q5_1;
            case Q6_K -> GgmlType.Q8_0;
            default -> target;
        };
        return ncols % r.blockSize() != 0 ? GgmlType.F16 : r;
    }
}
