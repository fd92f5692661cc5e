package dev.smelt.trainer.sft;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import dev.smelt.core.SmeltException;
import dev.smelt.core.model.ModelDirectory;
import dev.smelt.models.nn.Scalars;
import dev.smelt.trainer.lora.LoraBlock;
import dev.smelt.trainer.peft.AdapterFiles;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntToLongFunction;

/**
 * Data parallelism over model replicas: every device holds a {@link Replica} (the frozen model and its own copy of
 * the adapters), a micro-batch is split by rows across them and the devices run their shards at the same time (a
 * thread each); gradients are summed onto the first device in device order, so the sum does not depend on timing,
 * and after the update the first replica's adapters are copied to the others. With one device it is plain
 * training. The only class that drives DJL's engine directly: the gradient collector, and libtorch's grad mode,
 * which is per thread and on by default in threads DJL did not start, so it is turned on only while collecting.
 */
final class DataParallel implements AutoCloseable {
    private final List<Replica> replicas;
    /** One thread per device when training on several (null on one). */
    private final ExecutorService deviceThreads;
    /** The micro-batch being worked on, for out-of-memory messages. */
    private HostBatch current;

    private DataParallel(List<Replica> replicas) {
        this.replicas = replicas;
        if (replicas.size() > 1) {
            AtomicInteger id = new AtomicInteger();
            deviceThreads = Executors.newFixedThreadPool(replicas.size(), task -> {
                Thread t = new Thread(task, "smelt-device-" + id.getAndIncrement());
                t.setDaemon(true);
                return t;
            });
        } else {
            deviceThreads = null;
        }
    }

    /**
     * Loads a replica on each of {@code cfg.devices()}, with fresh adapters or those of {@code saved}. Turns grad
     * mode off in the calling thread: updates, evaluation and checkpoint copies run there without it.
     */
    static DataParallel load(ModelDirectory md, TrainConfig cfg, AdapterFiles.Adapter saved) {
        Engine.getInstance(); // loads libtorch before the direct JNI call
        JniUtils.setGradMode(false);
        List<Replica> replicas = new ArrayList<>();
        try {
            for (Device d : cfg.devices()) replicas.add(Replica.load(md, d, cfg, saved));
        } catch (RuntimeException e) {
            replicas.forEach(Replica::close);
            throw e;
        }
        return new DataParallel(replicas);
    }

    /** The replica on the first device: the one the optimizer updates, evaluation runs on and checkpoints copy. */
    Replica first() {
        return replicas.get(0);
    }

    /** The micro-batch last worked on (null before the first). */
    HostBatch current() {
        return current;
    }

    /**
     * Forward and backward over {@code micro} into freshly cleared gradients, each micro-batch split by rows across
     * the devices; the loss backpropagated is the summed token cross-entropy times {@code lossFactor}. Dropout is
     * reseeded per micro-batch and device from {@code dropoutSeed} (micro-batch index → seed; null without dropout).
     * Returns the summed (unscaled) loss.
     */
    double accumulate(List<HostBatch> micro, double lossFactor, IntToLongFunction dropoutSeed) {
        for (Replica r : replicas) r.zeroGradients();
        double lossSum = 0;
        int n = replicas.size();
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            for (int k = 0; k < micro.size(); k++) {
                current = micro.get(k);
                if (dropoutSeed != null) {
                    long seed = dropoutSeed.applyAsLong(k);
                    for (int d = 0; d < n; d++) for (LoraBlock b : replicas.get(d).blocks) b.seedDropout(seed * 64 + d);
                }
                double[] losses = new double[n];
                List<Future<?>> running = new ArrayList<>();
                for (int d = 0; d < n; d++) {
                    int from = current.rows() * d / n;
                    int to = current.rows() * (d + 1) / n;
                    if (to <= from) continue;
                    HostBatch shard = n == 1 ? current : current.slice(from, to);
                    Replica r = replicas.get(d);
                    int slot = d;
                    if (n == 1) {
                        losses[slot] = forwardBackward(gc, r, shard, lossFactor);
                    } else {
                        running.add(deviceThreads.submit(() -> {
                            JniUtils.setGradMode(true);
                            try {
                                losses[slot] = forwardBackward(gc, r, shard, lossFactor);
                            } finally {
                                JniUtils.setGradMode(false);
                            }
                        }));
                    }
                }
                awaitAll(running);
                for (double l : losses) lossSum += l; // in device order, so the sum does not depend on timing
            }
        }
        JniUtils.setGradMode(false);
        return lossSum;
    }

    /** One replica's forward and backward over its shard; returns the shard's summed (unscaled) loss. */
    private static double forwardBackward(GradientCollector gc, Replica r, HostBatch shard, double lossFactor) {
        try (NDManager sm = r.model.manager().newSubManager()) {
            NDArray ls = r.lossSum(sm, shard, true);
            gc.backward(Scalars.mul(ls, lossFactor));
            return ls.getFloat();
        }
    }

    /** Waits for every device's work; the first failure is rethrown as it was thrown (out-of-memory included). */
    private static void awaitAll(List<Future<?>> running) {
        RuntimeException failure = null;
        for (Future<?> f : running) {
            try {
                f.get();
            } catch (ExecutionException e) {
                Throwable c = e.getCause();
                if (c instanceof Error err) throw err;
                if (failure == null) failure = c instanceof RuntimeException re ? re : new RuntimeException(c);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SmeltException("interrupted while the devices were training");
            }
        }
        if (failure != null) throw failure;
    }

    /** The accumulated gradients summed onto the first device (in device order) and divided by {@code lossScale}. */
    Gradients gather(double lossScale) {
        Gradients set = new Gradients();
        Replica master = first();
        for (Map.Entry<String, Parameter> e : master.params.entrySet()) {
            NDArray w = e.getValue().getArray();
            NDArray g = w.getGradient();
            set.owned.add(g);
            for (int d = 1; d < replicas.size(); d++) {
                NDArray rg = replicas.get(d).params.get(e.getKey()).getArray().getGradient();
                try (NDArray moved = rg.toDevice(w.getDevice(), true)) {
                    g.addi(moved);
                }
                rg.close();
            }
            if (lossScale != 1.0) g.divi((float) lossScale);
            set.params.put(e.getKey(), new NDArray[] {w, g});
            set.grads.add(g);
        }
        return set;
    }

    /** Clears every replica's gradients and copies the first replica's (updated) adapters to the others. */
    void finishStep() {
        for (Replica r : replicas) r.zeroGradients();
        for (int d = 1; d < replicas.size(); d++) replicas.get(d).copyAdapterFrom(first());
    }

    /** Summed token cross-entropy of {@code batch} on the first replica, without dropout or gradients. */
    double evalLossSum(HostBatch batch) {
        current = batch;
        Replica r = first();
        try (NDManager sm = r.model.manager().newSubManager()) {
            return r.lossSum(sm, batch, false).getFloat();
        }
    }

    @Override
    public void close() {
        if (deviceThreads != null) deviceThreads.shutdownNow();
        for (Replica r : replicas) r.close();
    }

    /** A step's gradients (float32, like the adapters) on the first device, by parameter. */
    static final class Gradients implements AutoCloseable {
        /** Adapter name → {weight, gradient}, as {@code AdamW.step} takes them. */
        final Map<String, NDArray[]> params = new LinkedHashMap<>();
        final List<NDArray> grads = new ArrayList<>();
        private final List<NDArray> owned = new ArrayList<>();

        @Override
        public void close() {
            owned.forEach(NDArray::close);
        }
    }
}
