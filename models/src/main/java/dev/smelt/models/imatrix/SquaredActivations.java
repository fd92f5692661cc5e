package dev.smelt.models.imatrix;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import dev.smelt.models.CausalLM;
import dev.smelt.models.nn.Linear;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Σx² per input column of the chosen projections of a model, over every token of every chunk run through it (the
 * statistics llama-imatrix collects: each token of a chunk is one activation row, whatever its position). Attaching
 * sets an {@link dev.smelt.models.nn.ActivationObserver} on each projection; {@link #close()} removes them. The
 * forward pass itself is unchanged. Not thread-safe: one chunk at a time.
 */
public final class SquaredActivations implements AutoCloseable {
    /** The sums of one projection: {@code sumOfSquares[c]} over {@code rows} activation rows. */
    public record ColumnSums(double[] sumOfSquares, long rows) {}

    private final CausalLM model;
    private final List<Linear> observed = new ArrayList<>();
    private final Map<String, double[]> sums = new LinkedHashMap<>();
    private final Map<String, long[]> rows = new LinkedHashMap<>();

    private SquaredActivations(CausalLM model) {
        this.model = model;
    }

    /** Observes every projection of {@code model} whose HF module path {@code include} accepts. */
    public static SquaredActivations attach(CausalLM model, Predicate<String> include) {
        SquaredActivations s = new SquaredActivations(model);
        for (Linear l : model.linearModules().values()) {
            if (!include.test(l.moduleName())) continue;
            s.sums.put(l.moduleName(), new double[(int) l.inFeatures()]);
            s.rows.put(l.moduleName(), new long[1]);
            s.observed.add(l);
            l.observe(s::accumulate);
        }
        return s;
    }

    /** Runs one chunk {@code ids} (a single sequence, causal attention over it) and adds its activations. */
    public void run(int[] ids) {
        try (NDManager m = model.manager().newSubManager()) {
            long[] l = new long[ids.length];
            for (int i = 0; i < ids.length; i++) l[i] = ids[i];
            NDArray input = m.create(l).reshape(1, ids.length);
            model.logits(new ParameterStore(m, false), input, null, null, false);
        }
    }

    /** The sums so far, by HF module path, in the model's projection order. */
    public Map<String, ColumnSums> sums() {
        Map<String, ColumnSums> out = new LinkedHashMap<>();
        for (Map.Entry<String, double[]> e : sums.entrySet()) {
            out.put(e.getKey(), new ColumnSums(e.getValue().clone(), rows.get(e.getKey())[0]));
        }
        return Collections.unmodifiableMap(out);
    }

    private void accumulate(Linear linear, NDArray x) {
        long in = linear.inFeatures();
        NDArray flat = x.reshape(-1, in);
        NDArray f = flat.getDataType() == DataType.FLOAT32 ? flat : flat.toType(DataType.FLOAT32, false);
        NDArray sq = f.square();
        NDArray colSums = sq.sum(new int[] {0});
        float[] v = colSums.toFloatArray();
        long n = flat.getShape().get(0);
        colSums.close();
        sq.close();
        if (f != flat) f.close();
        flat.close();
        double[] acc = sums.get(linear.moduleName());
        for (int i = 0; i < v.length; i++) acc[i] += v[i];
        rows.get(linear.moduleName())[0] += n;
    }

    @Override
    public void close() {
        for (Linear l : observed) l.observe(null);
        observed.clear();
    }
}
