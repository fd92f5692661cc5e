package dev.smelt.models.qwen35;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.smelt.models.nn.Casts;

/**
 * The gated delta rule of Gated DeltaNet, per value head with state S ∈ R^{dk×dv}:
 * <pre>
 *   S ← exp(g_t)·S;   u_t = β_t·(v_t − Sᵀk_t);   S ← S + k_t u_tᵀ;   o_t = Sᵀq_t
 * </pre>
 * in two equivalent forms: {@link #recurrent} (one token at a time; decoding and the naive baseline) and
 * {@link #chunked} (the WY/UT-transform form, parallel inside chunks, sequential only across chunks; training
 * and prefill). Both are built from out-of-place DJL ops only, so autograd differentiates through them.
 *
 * <p>Layouts: q, k {@code [B, T, H, dk]}, v {@code [B, T, H, dv]}, g and β {@code [B, T, H]}, state
 * {@code [B, H, dk, dv]}; output {@code [B, T, H, dv]}. q and k are expected L2-normalised with q already
 * scaled by dk^-1/2 (the caller does that; the rule itself is pure). Computation is in float32.
 */
public final class GatedDeltaRule {
    public static final int DEFAULT_CHUNK = 64;

    private GatedDeltaRule() {}

    /** Output of one application: {@code output [B, T, H, dv]} and the state after the last token. */
    public record Result(NDArray output, NDArray state) {}

    /** Token-by-token recurrence. {@code state} may be null (zeros). */
    public static Result recurrent(NDArray q, NDArray k, NDArray v, NDArray g, NDArray beta, NDArray state) {
        return recurrent(q, k, v, g, beta, state, null);
    }

    /**
     * Token-by-token recurrence; {@code resets} ({@code [B, T]}, 1 where a packed sequence starts, else 0; may be
     * null) clears the state before that token's update, so packed sequences never see each other.
     */
    public static Result recurrent(NDArray q, NDArray k, NDArray v, NDArray g, NDArray beta, NDArray state,
            NDArray resets) {
        Shape qs = q.getShape();
        long b = qs.get(0), t = qs.get(1), h = qs.get(2), dk = qs.get(3), dv = v.getShape().get(3);
        NDManager m = q.getManager();
        // [B, H, T, d] with an extra unit axis so each step's slices are row vectors [B, H, 1, d].
        NDArray qh = f32(q).transpose(0, 2, 1, 3);
        NDArray kh = f32(k).transpose(0, 2, 1, 3);
        NDArray vh = f32(v).transpose(0, 2, 1, 3);
        NDArray gates = f32(g).exp();
        if (resets != null) gates = gates.mul(f32(resets).neg().add(1f).expandDims(2));
        NDArray decay = gates.transpose(0, 2, 1).expandDims(3).expandDims(4); // [B, H, T, 1, 1]
        NDArray bt = f32(beta).transpose(0, 2, 1).expandDims(3).expandDims(4);
        NDArray s = state == null ? m.zeros(new Shape(b, h, dk, dv), DataType.FLOAT32) : f32(state);
        NDList outs = new NDList((int) t);
        for (long i = 0; i < t; i++) {
            NDArray qi = qh.get(new NDIndex(":, :, {}:{}", i, i + 1));
            NDArray ki = kh.get(new NDIndex(":, :, {}:{}", i, i + 1));
            NDArray vi = vh.get(new NDIndex(":, :, {}:{}", i, i + 1));
            s = s.mul(decay.get(new NDIndex(":, :, {}", i)));
            NDArray delta = vi.sub(ki.matMul(s)).mul(bt.get(new NDIndex(":, :, {}", i)));
            s = s.add(ki.swapAxes(2, 3).matMul(delta));
            outs.add(qi.matMul(s));
        }
        NDArray out = NDArrays.concat(outs, 2).transpose(0, 2, 1, 3);
        return new Result(out, s);
    }

    /**
     * Chunked form. Inside a chunk of C tokens with cumulative log-decay γ, the new values U solve the unit
     * lower-triangular system (I + A)·U = β⊙V − β⊙e^γ⊙K·S₀ with A_ts = β_t e^{γ_t−γ_s} k_t·k_s (s &lt; t); the
     * inverse (the "UT transform") is shared by both right-hand sides. Outputs are
     * o_t = e^{γ_t} S₀ᵀq_t + Σ_{s≤t} e^{γ_t−γ_s}(q_t·k_s) u_s and the state moves on as
     * S = e^{γ_C} S₀ + Σ_s e^{γ_C−γ_s} k_s u_sᵀ. The sequence is zero-padded to a multiple of C (padded tokens
     * have β = 0, g = 0, k = 0: they change neither the outputs nor the final state).
     */
    public static Result chunked(NDArray q, NDArray k, NDArray v, NDArray g, NDArray beta, NDArray state, int chunk) {
        return chunked(q, k, v, g, beta, state, null, chunk);
    }

    /**
     * Chunked form with sequence starts ({@code resets [B, T]}, see {@link #recurrent(NDArray, NDArray, NDArray,
     * NDArray, NDArray, NDArray, NDArray)}): inside a chunk, terms that would cross a start are masked out (with
     * c = running count of starts in the chunk: token pairs need equal c, the carried-in state reaches only
     * tokens with c = 0, and only tokens of the chunk's last sequence feed the outgoing state).
     */
    public static Result chunked(NDArray q, NDArray k, NDArray v, NDArray g, NDArray beta, NDArray state,
            NDArray resets, int chunk) {
        if (chunk < 1) throw new IllegalArgumentException("chunk size must be positive: " + chunk);
        Shape qs = q.getShape();
        long b = qs.get(0), t = qs.get(1), h = qs.get(2), dk = qs.get(3), dv = v.getShape().get(3);
        NDManager m = q.getManager();
        long pad = (chunk - t % chunk) % chunk;
        long n = (t + pad) / chunk;
        NDArray qc = toChunks(f32(q).transpose(0, 2, 1, 3), pad, n, chunk);
        NDArray kc = toChunks(f32(k).transpose(0, 2, 1, 3), pad, n, chunk);
        NDArray vc = toChunks(f32(v).transpose(0, 2, 1, 3), pad, n, chunk);
        NDArray gamma = toChunks(f32(g).transpose(0, 2, 1).expandDims(3), pad, n, chunk).squeeze(4).cumSum(3);
        NDArray bc = toChunks(f32(beta).transpose(0, 2, 1).expandDims(3), pad, n, chunk); // [B, H, N, C, 1]

        NDArray pos = m.arange(chunk).toType(DataType.FLOAT32, false);
        NDArray row = pos.reshape(chunk, 1), col = pos.reshape(1, chunk);
        NDArray inclusive = row.gte(col).toType(DataType.FLOAT32, false); // [t, s]: s ≤ t
        NDArray strict = row.gt(col).toType(DataType.FLOAT32, false);
        // e^{γ_t − γ_s} on and below the diagonal; the exponent is masked first so it never overflows above it.
        NDArray decay = gamma.expandDims(4).sub(gamma.expandDims(3)).mul(inclusive).exp().mul(inclusive);
        NDArray gammaExp = gamma.exp().expandDims(4); // [B, H, N, C, 1]
        NDArray gammaLast = gamma.get(new NDIndex(":, :, :, -1")); // [B, H, N]
        NDArray tailWeight = gammaLast.expandDims(3).sub(gamma).exp(); // e^{γ_C − γ_s}, [B, H, N, C]
        NDArray chunkDecay = gammaLast.exp(); // [B, H, N]
        if (resets != null) {
            NDArray count = toChunks(f32(resets).expandDims(1).expandDims(3), pad, n, chunk).squeeze(4).cumSum(3);
            NDArray countLast = count.get(new NDIndex(":, :, :, -1")); // [B, 1, N]
            decay = decay.mul(count.expandDims(4).eq(count.expandDims(3)).toType(DataType.FLOAT32, false));
            gammaExp = gammaExp.mul(count.eq(0f).toType(DataType.FLOAT32, false).expandDims(4));
            tailWeight = tailWeight.mul(count.eq(countLast.expandDims(3)).toType(DataType.FLOAT32, false));
            chunkDecay = chunkDecay.mul(countLast.eq(0f).toType(DataType.FLOAT32, false));
        }
        NDArray kT = kc.swapAxes(3, 4);
        NDArray kBeta = kc.mul(bc);
        NDArray a = kBeta.matMul(kT).mul(decay).mul(strict);
        NDArray ut = m.eye(chunk).add(a).inverse();
        NDArray u0 = ut.matMul(vc.mul(bc)); // [B, H, N, C, dv]
        NDArray w = ut.matMul(kBeta.mul(gammaExp)); // [B, H, N, C, dk]
        NDArray qk = qc.matMul(kT).mul(decay); // [B, H, N, C, C]
        NDArray qDecayed = qc.mul(gammaExp);
        NDArray kTail = kc.mul(tailWeight.expandDims(4)).swapAxes(3, 4); // [B, H, N, dk, C]
        NDArray chunkDecayB = chunkDecay.expandDims(3).expandDims(4); // [B, H, N, 1, 1]

        NDArray s = state == null ? m.zeros(new Shape(b, h, dk, dv), DataType.FLOAT32) : f32(state);
        NDList outs = new NDList((int) n);
        for (long i = 0; i < n; i++) {
            NDIndex at = new NDIndex(":, :, {}", i);
            NDArray u = u0.get(at).sub(w.get(at).matMul(s));
            outs.add(qDecayed.get(at).matMul(s).add(qk.get(at).matMul(u)));
            s = s.mul(chunkDecayB.get(at)).add(kTail.get(at).matMul(u));
        }
        NDArray out = NDArrays.stack(outs, 2).reshape(b, h, n * chunk, dv);
        if (pad > 0) out = out.get(new NDIndex(":, :, :{}", t));
        return new Result(out.transpose(0, 2, 1, 3), s);
    }

    /** [B, H, T, d] → zero-padded [B, H, N, C, d]. */
    private static NDArray toChunks(NDArray x, long pad, long n, int chunk) {
        Shape s = x.getShape();
        if (pad > 0) {
            NDArray zeros = x.getManager().zeros(new Shape(s.get(0), s.get(1), pad, s.get(3)), x.getDataType());
            x = NDArrays.concat(new NDList(x, zeros), 2);
        }
        return x.reshape(s.get(0), s.get(1), n, chunk, s.get(3));
    }

    private static NDArray f32(NDArray x) {
        return Casts.toFloat32(x);
    }
}
