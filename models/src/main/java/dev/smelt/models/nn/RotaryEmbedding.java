package dev.smelt.models.nn;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.smelt.core.model.RopeScaling;
import dev.smelt.core.privacy.DjlTelemetry;

/**
 * Rotary position embedding in the Hugging Face "rotate half" layout (pairs {@code (j, j + rot/2)}), over the
 * first {@code rotaryDim} channels of each head (the rest pass through, for partial rotary models).
 * Inverse frequencies, including the llama3 / linear / yarn {@code rope_scaling} variants, are computed once in
 * double precision in Java; cos/sin tables are built per call from the position ids.
 */
public final class RotaryEmbedding {
    static {
        DjlTelemetry.disable(); // before this class creates DJL objects
    }

    private final int headDim;
    private final int rotaryDim;
    private final float[] invFreq;
    private final float attentionFactor;
    // Constant arrays, made once per device in a manager of their own (host-to-native copies are slow per call).
    private NDManager constants;
    private NDArray invFreqArray;
    private NDArray attentionFactorArray;
    private NDArray cosTable; // [positions, rot], float32, attention factor applied
    private NDArray sinTable;
    private NDArray signedSinTable; // sinTable with its first half negated (decoding)
    private NDIndex halvesSwapped; // channel order (rot/2 .. rot-1, 0 .. rot/2-1) over the last axis

    public RotaryEmbedding(int headDim, int rotaryDim, double theta, RopeScaling scaling, int maxPositionEmbeddings) {
        if (rotaryDim % 2 != 0 || rotaryDim > headDim) {
            throw new IllegalArgumentException("rotary dim " + rotaryDim + " must be even and <= head dim " + headDim);
        }
        this.headDim = headDim;
        this.rotaryDim = rotaryDim;
        double[] base = new double[rotaryDim / 2];
        for (int i = 0; i < base.length; i++) base[i] = 1.0 / Math.pow(theta, (2.0 * i) / rotaryDim);
        double attn = 1.0;
        if (scaling != null) {
            switch (scaling.type()) {
                case "linear" -> { for (int i = 0; i < base.length; i++) base[i] /= scaling.factor(); }
                case "llama3" -> llama3(base, scaling);
                case "yarn" -> attn = yarn(base, theta, rotaryDim, scaling, maxPositionEmbeddings);
                default -> throw new IllegalArgumentException("rope_scaling type " + scaling.type());
            }
        }
        invFreq = new float[base.length];
        for (int i = 0; i < base.length; i++) invFreq[i] = (float) base[i];
        attentionFactor = (float) attn;
    }

    public int headDim() {
        return headDim;
    }

    public int rotaryDim() {
        return rotaryDim;
    }

    /** Inverse frequencies actually used (after scaling), one per rotated pair. */
    public float[] inverseFrequencies() {
        return invFreq.clone();
    }

    public float attentionFactor() {
        return attentionFactor;
    }

    private static void llama3(double[] f, RopeScaling s) {
        double factor = s.factor();
        double low = s.lowFreqFactor() == null ? 1.0 : s.lowFreqFactor();
        double high = s.highFreqFactor() == null ? 4.0 : s.highFreqFactor();
        double oldCtx = s.originalMaxPositionEmbeddings() == null ? 8192 : s.originalMaxPositionEmbeddings();
        double lowWavelen = oldCtx / low;
        double highWavelen = oldCtx / high;
        for (int i = 0; i < f.length; i++) {
            double wavelen = 2 * Math.PI / f[i];
            if (wavelen > lowWavelen) {
                f[i] = f[i] / factor;
            } else if (wavelen >= highWavelen) {
                double smooth = (oldCtx / wavelen - low) / (high - low);
                f[i] = (1 - smooth) * f[i] / factor + smooth * f[i];
            }
        }
    }

    /** YaRN: blend interpolated and extrapolated frequencies with a linear ramp; returns the attention factor. */
    private static double yarn(double[] f, double theta, int dim, RopeScaling s, int maxPos) {
        double factor = s.factor();
        int orig = s.originalMaxPositionEmbeddings() != null ? s.originalMaxPositionEmbeddings() : maxPos;
        double betaFast = s.betaFast() == null ? 32 : s.betaFast();
        double betaSlow = s.betaSlow() == null ? 1 : s.betaSlow();
        double lo = Math.floor(correctionDim(betaFast, dim, theta, orig));
        double hi = Math.ceil(correctionDim(betaSlow, dim, theta, orig));
        lo = Math.max(lo, 0);
        hi = Math.min(hi, dim - 1);
        if (lo == hi) hi += 0.001;
        for (int i = 0; i < f.length; i++) {
            double extrapolation = f[i];
            double interpolation = f[i] / factor;
            double ramp = Math.min(1, Math.max(0, (i - lo) / (hi - lo)));
            double extrapolationWeight = 1 - ramp;
            f[i] = interpolation * (1 - extrapolationWeight) + extrapolation * extrapolationWeight;
        }
        if (s.attentionFactor() != null) return s.attentionFactor();
        return factor <= 1 ? 1.0 : 0.1 * Math.log(factor) + 1.0;
    }

    private static double correctionDim(double rotations, int dim, double base, int maxPos) {
        return dim * Math.log(maxPos / (rotations * 2 * Math.PI)) / (2 * Math.log(base));
    }

    /**
     * cos and sin tables for {@code positions} ({@code [B, T]}, any numeric type), shaped {@code [B, 1, T, rot]}
     * so they broadcast over heads of a {@code [B, H, T, hd]} tensor, in {@code dtype}.
     */
    public NDList tables(NDArray positions, DataType dtype) {
        NDArray inv = constants(positions.getDevice());
        NDArray freqs = positions.toType(DataType.FLOAT32, false).expandDims(-1).mul(inv); // [B, T, rot/2]
        NDArray emb = freqs.concat(freqs, 2).expandDims(1); // [B, 1, T, rot]
        NDArray cos = emb.cos();
        NDArray sin = emb.sin();
        if (attentionFactor != 1f) {
            cos = cos.mul(attentionFactorArray);
            sin = sin.mul(attentionFactorArray);
        }
        if (dtype != DataType.FLOAT32) {
            cos = cos.toType(dtype, false);
            sin = sin.toType(dtype, false);
        }
        return new NDList(cos, sin);
    }

    private synchronized NDArray constants(Device device) {
        if (invFreqArray == null || !invFreqArray.getDevice().equals(device)) {
            if (constants != null) constants.close();
            constants = NDManager.newBaseManager(device);
            cosTable = null;
            sinTable = null;
            signedSinTable = null;
            halvesSwapped = null;
            invFreqArray = Scalars.owned(constants.create(invFreq)).reshape(1, 1, invFreq.length);
            attentionFactorArray = Scalars.owned(constants.create(attentionFactor));
        }
        return invFreqArray;
    }

    /** Frees the cached constant arrays (they are rebuilt if the embedding is used again). */
    public synchronized void close() {
        if (constants != null) constants.close();
        constants = null;
        invFreqArray = null;
        attentionFactorArray = null;
        cosTable = null;
        sinTable = null;
        signedSinTable = null;
        halvesSwapped = null;
    }

    /** Rotates {@code x} ({@code [B, H, T, hd]}) with tables from {@link #tables}. */
    public NDArray apply(NDArray x, NDList tables) {
        NDArray cos = tables.get(0);
        NDArray sin = tables.get(1);
        int last = x.getShape().dimension() - 1;
        NDArray rot = x;
        NDArray pass = null;
        if (rotaryDim < headDim) {
            NDList parts = x.split(new long[] {rotaryDim}, last);
            rot = parts.get(0);
            pass = parts.get(1);
        }
        NDList halves = rot.split(2, last);
        NDArray negated = halves.get(1).neg();
        NDArray rotated = negated.concat(halves.get(0), last);
        NDArray withCos = rot.mul(cos);
        NDArray withSin = rotated.mul(sin);
        NDArray out = withCos.add(withSin);
        // autograd keeps only cos and sin for this (neg, concat and add save nothing): the intermediates are freed
        // now rather than when the caller's manager closes
        halves.close();
        for (NDArray a : new NDArray[] {negated, rotated, withCos, withSin}) a.close();
        return pass == null ? out : out.concat(pass, last);
    }

    /**
     * {@link #apply} for decoding, with tables from {@link #decodingTables}: the same values in fewer ops. The halves
     * are swapped by one gather and the sign of rotate-half's negated half is carried by the table, which is exact
     * ({@code (-a)·b = a·(-b)} in IEEE arithmetic); the products are summed in place. Full rotary only.
     */
    public NDArray applyDecoding(NDArray x, NDList tables) {
        if (rotaryDim != headDim) throw new IllegalStateException("decoding rotary needs rotary dim = head dim");
        NDIndex swap;
        synchronized (this) {
            swap = halvesSwapped;
        }
        NDArray rotated = x.get(swap);
        rotated.muli(tables.get(1));
        NDArray out = x.mul(tables.get(0));
        return out.addi(rotated);
    }

    /**
     * cos and signed sin ({@link #applyDecoding}) for one position, {@code [1, 1, 1, rot]}, sliced from the tables
     * {@link #tables(NDManager, long, long, DataType)} keeps.
     */
    public NDList decodingTables(NDManager manager, long position, DataType dtype) {
        NDArray cos;
        NDArray sin;
        synchronized (this) {
            constants(manager.getDevice());
            grow(position + 1);
            if (signedSinTable == null) {
                NDList halves = sinTable.split(2, 1);
                NDArray negated = halves.get(0).neg();
                signedSinTable = negated.concat(halves.get(1), 1);
                negated.close();
                halves.close();
            }
            if (halvesSwapped == null) {
                long[] order = new long[rotaryDim];
                for (int i = 0; i < rotaryDim; i++) order[i] = (i + rotaryDim / 2) % rotaryDim;
                halvesSwapped = new NDIndex("..., {}", Scalars.owned(constants.create(order)));
            }
            NDIndex row = new NDIndex().addSliceDim(position, position + 1);
            cos = cosTable.get(row);
            sin = signedSinTable.get(row);
            cos.attach(manager);
            sin.attach(manager);
        }
        return shaped(cos, sin, 1, dtype);
    }

    /** Grows the kept cos/sin tables to hold at least {@code needed} positions (holding this object's lock). */
    private void grow(long needed) {
        if (cosTable == null || cosTable.getShape().get(0) < needed) {
            long size = Math.max(256, Long.highestOneBit(Math.max(1, needed - 1)) << 1);
            NDArray pos = constants.arange(0, size, 1, DataType.FLOAT32).reshape(1, size);
            NDList t = tables(pos, DataType.FLOAT32);
            if (cosTable != null) {
                cosTable.close();
                sinTable.close();
            }
            if (signedSinTable != null) signedSinTable.close();
            signedSinTable = null;
            cosTable = t.get(0).reshape(size, rotaryDim);
            sinTable = t.get(1).reshape(size, rotaryDim);
        }
    }

    private NDList shaped(NDArray cos, NDArray sin, long length, DataType dtype) {
        cos = cos.reshape(1, 1, length, rotaryDim);
        sin = sin.reshape(1, 1, length, rotaryDim);
        if (dtype != DataType.FLOAT32) {
            cos = cos.toType(dtype, false);
            sin = sin.toType(dtype, false);
        }
        return new NDList(cos, sin);
    }

    /**
     * Tables for positions {@code [start, start + length)} (batch 1, shape {@code [1, 1, length, rot]}), sliced from
     * a cos/sin table kept per device and grown on demand: the decoding path, where one position is needed per step.
     */
    public NDList tables(NDManager manager, long start, long length, DataType dtype) {
        NDArray cos;
        NDArray sin;
        synchronized (this) {
            constants(manager.getDevice());
            grow(start + length);
            NDIndex rows = new NDIndex().addSliceDim(start, start + length);
            cos = cosTable.get(rows);
            sin = sinTable.get(rows);
            cos.attach(manager);
            sin.attach(manager);
        }
        return shaped(cos, sin, length, dtype);
    }
}
