package dev.smelt.models.qwen35;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.smelt.core.SmeltException;
import dev.smelt.core.model.Qwen35Config;
import dev.smelt.models.nn.Casts;
import dev.smelt.models.nn.Linear;
import dev.smelt.models.nn.Scalars;
import dev.smelt.models.nn.Views;
import java.util.List;

/**
 * The Gated DeltaNet token mixer of Qwen3.5 ({@code <prefix>.linear_attn}): projections in_proj_qkv / in_proj_z /
 * in_proj_b / in_proj_a, a causal depthwise conv (no bias) + SiLU over the qkv channels, per-head L2-normalised
 * q and k (q scaled by dk^-½; K heads shared by groups of Hv/Hk consecutive V heads), β = sigmoid(b),
 * g = −exp(A_log)·softplus(a + dt_bias), the gated delta rule, a plain-weight RMSNorm per V head gated by
 * silu(z), and out_proj. Sequences of more than one token use the chunked rule, single tokens the recurrence.
 */
public final class GatedDeltaNet extends AbstractBlock {
    final Linear inProjQkv;
    final Linear inProjZ;
    final Linear inProjB;
    final Linear inProjA;
    final Linear outProj;
    final Parameter conv1d;
    final Parameter dtBias;
    final Parameter aLog;
    final Parameter normWeight;
    private final String prefix;
    private final int hk;
    private final int hv;
    private final int dk;
    private final int dv;
    private final int kernel;
    private final long convDim;
    private final float eps;
    private int chunkSize = GatedDeltaRule.DEFAULT_CHUNK;
    private boolean naive;

    GatedDeltaNet(String prefix, Qwen35Config c) {
        this.prefix = prefix;
        hk = c.linearNumKeyHeads();
        hv = c.linearNumValueHeads();
        dk = c.linearKeyHeadDim();
        dv = c.linearValueHeadDim();
        kernel = c.linearConvKernel();
        convDim = c.linearConvDim();
        eps = (float) c.rmsNormEps();
        long h = c.hiddenSize();
        inProjQkv = addChildBlock("in_proj_qkv", new Linear(prefix + ".in_proj_qkv", h, convDim, false));
        inProjZ = addChildBlock("in_proj_z", new Linear(prefix + ".in_proj_z", h, c.linearValueDim(), false));
        inProjB = addChildBlock("in_proj_b", new Linear(prefix + ".in_proj_b", h, hv, false));
        inProjA = addChildBlock("in_proj_a", new Linear(prefix + ".in_proj_a", h, hv, false));
        outProj = addChildBlock("out_proj", new Linear(prefix + ".out_proj", c.linearValueDim(), h, false));
        conv1d = frozen("conv1d");
        dtBias = frozen("dt_bias");
        aLog = frozen("A_log");
        normWeight = frozen("norm");
    }

    private Parameter frozen(String name) {
        return addParameter(Parameter.builder().setName(name).setType(Parameter.Type.WEIGHT).optRequiresGrad(false).build());
    }

    List<Linear> linears() {
        return List.of(inProjQkv, inProjZ, inProjB, inProjA, outProj);
    }

    String prefix() {
        return prefix;
    }

    /** Selects the delta-rule form for multi-token inputs: chunked with {@code chunk}, or the naive recurrence. */
    void useRule(boolean naiveRecurrence, int chunk) {
        this.naive = naiveRecurrence;
        this.chunkSize = chunk;
    }

    static void set(Parameter p, NDArray value, long[] shape, String name) {
        if (!value.getShape().equals(new Shape(shape))) {
            throw new SmeltException(name + ": shape " + value.getShape() + ", expected " + new Shape(shape));
        }
        p.setArray(value);
    }

    /**
     * @param x       {@code [B, T, hidden]} (already input-normalised)
     * @param resets  {@code [B, T]} float, 1 where a packed sequence starts (training), or null
     * @param convOk  {@code [K-1, B, T]} float: 1 where the token d+1 steps back is in the same sequence, or null
     * @param cache   decoding state (conv and recurrent) or null
     */
    NDArray apply(ParameterStore ps, NDArray x, NDArray resets, NDArray convOk, Qwen35Cache cache, int layer,
            boolean training) {
        NDManager m = x.getManager();
        Shape xs = x.getShape();
        long b = xs.get(0), t = xs.get(1);
        DataType dt = x.getDataType();
        NDArray mixed = Casts.toFloat32(inProjQkv.apply(ps, x, training)); // [B, T, convDim]; conv and state in float32
        NDArray z = inProjZ.apply(ps, x, training).reshape(b, t, hv, dv);
        // in_proj_b / in_proj_a (float32 weights, see Qwen35Model.load) feed β and the exponentiated decay: float32
        NDArray xf = Casts.toFloat32(x);
        NDArray beta = Activation.sigmoid(inProjB.apply(ps, xf, training));
        NDArray a = inProjA.apply(ps, xf, training);
        // ops on a weight land in the weight's manager, which lives as long as the model: the weights used as the
        // receiver of an op are taken as views in this forward's manager
        NDArray aLogV = Views.in(ps.getValue(aLog, x.getDevice(), training), m);
        NDArray dtB = ps.getValue(dtBias, x.getDevice(), training);
        NDArray g = aLogV.exp().neg().mul(Activation.softPlus(a.add(dtB)));

        // Causal depthwise conv: out_t = Σ_k W[:, k] · in_{t-(K-1)+k}, over the cached tail or zeros.
        NDArray past = cache == null ? null : cache.convState(layer, m);
        if (past == null) past = m.zeros(new Shape(b, kernel - 1, convDim), DataType.FLOAT32);
        NDArray padded = NDArrays.concat(new NDList(past, mixed), 1); // [B, T + K - 1, convDim]
        NDArray w = Views.in(ps.getValue(conv1d, x.getDevice(), training), m).reshape(convDim, kernel);
        NDArray conv = null;
        for (int k = 0; k < kernel; k++) {
            NDArray term = padded.get(new NDIndex(":, {}:{}", k, k + t)).mul(w.get(new NDIndex(":, {}", k)));
            int back = kernel - 1 - k;
            if (convOk != null && back > 0) term = term.mul(convOk.get(back - 1).expandDims(2));
            conv = conv == null ? term : conv.add(term);
        }
        NDArray act = conv.mul(Activation.sigmoid(conv)); // SiLU
        NDList parts = act.split(new long[] {(long) hk * dk, 2L * hk * dk}, 2);
        NDArray q = l2norm(parts.get(0).reshape(b, t, hk, dk)).mul(Scalars.constant(x, 1 / Math.sqrt(dk)));
        NDArray k = l2norm(parts.get(1).reshape(b, t, hk, dk));
        NDArray v = parts.get(2).reshape(b, t, hv, dv);
        if (hv != hk) {
            q = repeatHeads(q, b, t);
            k = repeatHeads(k, b, t);
        }
        NDArray state = cache == null ? null : cache.recurrentState(layer, m);
        GatedDeltaRule.Result r = t == 1 || naive
                ? GatedDeltaRule.recurrent(q, k, v, g, beta, state, resets)
                : GatedDeltaRule.chunked(q, k, v, g, beta, state, resets, chunkSize);
        if (cache != null) {
            cache.putLinear(layer, padded.get(new NDIndex(":, {}:", t)), r.state());
        }
        // Gated RMSNorm per V head: w · norm(o) · silu(z), in float32.
        NDArray o = r.output(); // [B, T, Hv, dv] float32
        NDArray normed = o.mul(o.square().mean(new int[] {-1}, true).add(Scalars.constant(o, eps)).pow(Scalars.constant(o, -0.5)))
                .mul(ps.getValue(normWeight, x.getDevice(), training));
        NDArray zf = Casts.toFloat32(z);
        NDArray gated = normed.mul(zf.mul(Activation.sigmoid(zf))).reshape(b, t, (long) hv * dv);
        return outProj.apply(ps, Casts.narrow(gated, dt), training);
    }

    private static NDArray l2norm(NDArray x) {
        NDArray xf = Casts.toFloat32(x);
        return xf.mul(xf.square().sum(new int[] {-1}, true).add(Scalars.constant(xf, 1e-6)).pow(Scalars.constant(xf, -0.5)));
    }

    /** [B, T, Hk, d] → [B, T, Hv, d] where V head j reads K head j / (Hv/Hk). */
    private NDArray repeatHeads(NDArray x, long b, long t) {
        long r = hv / hk;
        return x.expandDims(3).broadcast(new Shape(b, t, hk, r, x.getShape().get(3))).reshape(b, t, hv, x.getShape().get(3));
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(apply(ps, inputs.singletonOrThrow(), null, null, null, 0, training));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape in = inputShapes[0];
        for (Linear l : List.of(inProjQkv, inProjZ, inProjB, inProjA)) l.initialize(manager, dataType, in);
        outProj.initialize(manager, dataType, in.slice(0, in.dimension() - 1).add((long) hv * dv));
    }
}
