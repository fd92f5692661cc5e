package dev.smelt.trainer.lora;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.PairList;
import dev.smelt.models.nn.Casts;
import dev.smelt.models.nn.Scalars;
import dev.smelt.trainer.optim.AdamW;
import dev.smelt.trainer.peft.LoraPair;
import java.util.SplittableRandom;

/**
 * One LoRA adapter: {@code delta = (dropout(x) · Aᵀ · scaling) · Bᵀ} with A [r, in] and B [out, r], both
 * float32 whatever the base precision (the input is widened and the delta narrowed back, both on the gradient
 * path), so fp16 training keeps the trainable weights and their optimizer state in float32.
 *
 * <p>Initial values are set from Java, not from the engine's RNG, so that a run's starting point depends
 * only on the seed: A is Kaiming-uniform with a = √5 (PEFT's choice, bound 1/√in) and B is zero, so the
 * adapted model starts exactly equal to the base model.
 */
public final class LoraBlock extends AbstractBlock {
    private final String module;
    private final int rank;
    private final int in;
    private final int out;
    private final double scaling;
    private final float dropout;
    private final Parameter a;
    private final Parameter b;
    private long dropoutSeed;
    private long dropoutCalls;

    private LoraBlock(String module, int rank, int in, int out, double scaling, float dropout, float[] aInit, float[] bInit) {
        this.module = module;
        this.rank = rank;
        this.in = in;
        this.out = out;
        this.scaling = scaling;
        this.dropout = dropout;
        this.a = addParameter(Parameter.builder().setName("lora_A").setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(rank, in)).optInitializer(values(aInit)).build());
        this.b = addParameter(Parameter.builder().setName("lora_B").setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(out, rank)).optInitializer(values(bInit)).build());
    }

    /** A fresh adapter: A Kaiming-uniform from {@code seed} and the module name, B zeros. */
    public static LoraBlock fresh(String module, int in, int out, LoraSettings s, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed ^ (module.hashCode() * 0x9E3779B97F4A7C15L));
        float bound = (float) (1.0 / Math.sqrt(in));
        float[] av = new float[s.r() * in];
        for (int i = 0; i < av.length; i++) av[i] = (float) ((rnd.nextDouble() * 2 - 1) * bound);
        return new LoraBlock(module, s.r(), in, out, s.scaling(), (float) s.dropout(), av, new float[out * s.r()]);
    }

    /** An adapter with given factors (loaded from a PEFT file or a checkpoint). */
    public static LoraBlock of(LoraPair p, double scaling, double dropout) {
        return new LoraBlock(p.module(), p.rank(), p.in(), p.out(), scaling, (float) dropout, p.a().clone(), p.b().clone());
    }

    /** Float32 values whatever type the model asks for: adapters and their optimizer state stay float32. */
    private static Initializer values(float[] v) {
        // the values are copied into torch-owned memory: an array made from a Java buffer keeps pointing at that
        // buffer, which is no place for state that lives and is updated in place for the whole run
        return (NDManager manager, Shape shape, DataType ignored) -> {
            try (NDArray f = manager.create(v, shape)) {
                return f.duplicate();
            }
        };
    }

    public String module() {
        return module;
    }

    public int rank() {
        return rank;
    }

    public double scaling() {
        return scaling;
    }

    public Parameter loraA() {
        return a;
    }

    public Parameter loraB() {
        return b;
    }

    /** Current factors copied to the host. */
    public LoraPair toPair() {
        return new LoraPair(module, rank, in, out, AdamW.copyToHost(a.getArray()), AdamW.copyToHost(b.getArray()));
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        NDArray wa = ps.getValue(a, x.getDevice(), training);
        NDArray wb = ps.getValue(b, x.getDevice(), training);
        // the delta is computed in float32 (the factors' type) and handed back in the model's type; both casts
        // keep the gradient path (DJL's toType would cut it)
        NDArray h = Casts.toFloat32(x);
        if (training && dropout > 0f) h = h.mul(dropoutMask(h.getManager(), h.getShape(), h.getDevice()));
        NDArray low = h.matMul(wa.transpose());
        // the scaling multiplies the rank-r intermediate [.., r] rather than the output [.., out]: the same product
        // (exactly so for a power-of-two lora_alpha / r), at r / out of the elementwise work forward and backward
        NDArray scaled = low.mul(Scalars.constant(low, scaling));
        NDArray delta = scaled.matMul(wb.transpose());
        NDArray out = Casts.narrow(delta, x.getDataType());
        // intermediates are closed now rather than with the caller's manager: autograd holds its own references to
        // what its backward needs (h, scaled), so this only frees the handles and whatever nothing else uses
        if (h != x) h.close();
        low.close();
        scaled.close();
        if (out != delta) delta.close();
        return new NDList(out);
    }

    /**
     * Seeds the dropout masks of the next forward passes. Masks come from a Java RNG keyed by this seed, the
     * module and a call counter rather than from the engine's global generator, so that they are a pure
     * function of the training step (the resume guarantee rests on it).
     */
    public void seedDropout(long seed) {
        this.dropoutSeed = seed;
        this.dropoutCalls = 0;
    }

    private NDArray dropoutMask(NDManager manager, Shape shape, Device device) {
        SplittableRandom rnd = new SplittableRandom(dropoutSeed * 0x9E3779B97F4A7C15L + module.hashCode() * 31L + dropoutCalls++);
        float[] m = new float[Math.toIntExact(shape.size())];
        float keep = 1f / (1f - dropout);
        for (int i = 0; i < m.length; i++) m[i] = rnd.nextDouble() < dropout ? 0f : keep;
        // copied into torch-owned memory: an array made from a Java buffer may alias that buffer, and autograd keeps
        // the mask for the backward pass
        NDArray host = manager.create(m, shape);
        NDArray owned = device.equals(host.getDevice()) ? host.duplicate() : host.toDevice(device, true);
        host.close();
        return owned;
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape s = inputShapes[0];
        return new Shape[] {s.slice(0, s.dimension() - 1).add(out)};
    }

    @Override
    public String toString() {
        return "LoraBlock(" + module + ", r=" + rank + ", scaling=" + scaling + ")";
    }
}
