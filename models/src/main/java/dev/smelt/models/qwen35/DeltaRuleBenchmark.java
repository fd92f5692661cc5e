package dev.smelt.models.qwen35;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import dev.smelt.core.SmeltException;
import dev.smelt.core.privacy.DjlTelemetry;
import dev.smelt.models.nn.Linear;
import java.util.Random;
import java.util.function.Consumer;

/**
 * Training throughput of a Qwen3.5 model with the chunked delta rule against the naive per-token recurrence,
 * measured in the same run on the same model and batch. One training step is a forward pass over
 * {@code batch × seqLen} tokens, the next-token cross-entropy and its backward pass into every projection
 * weight (the optimizer update costs the same for both forms and is left out). The logits of both forms are
 * compared too, so a fast but wrong chunked form cannot pass unnoticed.
 */
public final class DeltaRuleBenchmark {
    static {
        DjlTelemetry.disable(); // before this class creates DJL objects
    }

    private final Qwen35Model model;
    private final Consumer<String> log;

    public DeltaRuleBenchmark(Qwen35Model model, Consumer<String> log) {
        this.model = model;
        this.log = log;
    }

    /** Tokens per second of both forms, their ratio, and the largest logit difference between them. */
    public record Result(int seqLen, int batch, int chunk, int steps, double chunkedTokensPerSecond,
            double naiveTokensPerSecond, float maxLogitDifference) {
        public double speedup() {
            return chunkedTokensPerSecond / naiveTokensPerSecond;
        }
    }

    public Result run(int seqLen, int batch, int chunk, int steps) {
        if (seqLen < 2 || batch < 1 || chunk < 1 || steps < 1) {
            throw new SmeltException("bench delta-rule: --seq-len must be >= 2 and --batch, --chunk, --steps >= 1");
        }
        if (seqLen > model.config().maxPositionEmbeddings()) {
            throw new SmeltException("bench delta-rule: --seq-len " + seqLen + " exceeds the model's max_position_embeddings "
                    + model.config().maxPositionEmbeddings());
        }
        for (Linear l : model.linearModules().values()) l.weight().getArray().setRequiresGradient(true);
        try (NDManager m = model.manager().newSubManager()) {
            Random r = new Random(42);
            long[] ids = new long[batch * seqLen];
            for (int i = 0; i < ids.length; i++) ids[i] = r.nextInt(model.config().vocabSize());
            NDArray input = m.create(ids, new Shape(batch, seqLen));
            ParameterStore ps = new ParameterStore(m, false);

            model.useDeltaRule(false, chunk);
            NDArray chunkedLogits = model.logits(ps, input, null, null, false);
            model.useDeltaRule(true, chunk);
            NDArray naiveLogits = model.logits(ps, input, null, null, false);
            float diff = chunkedLogits.sub(naiveLogits).abs().max().getFloat();
            log.accept(String.format("max |logit(chunked) - logit(naive)| = %.2e", diff));

            double chunked = tokensPerSecond(ps, input, false, chunk, steps);
            double naive = tokensPerSecond(ps, input, true, chunk, steps);
            model.useDeltaRule(false, GatedDeltaRule.DEFAULT_CHUNK);
            return new Result(seqLen, batch, chunk, steps, chunked, naive, diff);
        } finally {
            for (Linear l : model.linearModules().values()) l.weight().getArray().setRequiresGradient(false);
        }
    }

    private double tokensPerSecond(ParameterStore ps, NDArray input, boolean naive, int chunk, int steps) {
        model.useDeltaRule(naive, chunk);
        String name = naive ? "naive recurrence" : "chunked (C=" + chunk + ")";
        trainStep(ps, input); // warm-up: allocator and kernel caches
        long start = System.nanoTime();
        for (int s = 0; s < steps; s++) {
            if (Thread.currentThread().isInterrupted()) throw new SmeltException("bench delta-rule: interrupted");
            float loss = trainStep(ps, input);
            log.accept(String.format("%s: step %d/%d, loss %.4f", name, s + 1, steps, loss));
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return input.size() * (double) steps / seconds;
    }

    /** Forward, next-token cross-entropy, backward; returns the loss. */
    private float trainStep(ParameterStore ps, NDArray input) {
        try (NDManager step = input.getManager().newSubManager();
                GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray ids = input.duplicate();
            ids.attach(step);
            long t = ids.getShape().get(1);
            NDArray logits = model.logits(ps, ids, null, null, true).get(new NDIndex(":, :{}", t - 1));
            NDArray target = ids.get(new NDIndex(":, 1:")).expandDims(2);
            NDArray logProbs = logits.toType(DataType.FLOAT32, false).logSoftmax(2);
            NDArray loss = logProbs.gather(target, 2).mean().neg();
            gc.backward(loss);
            float value = loss.getFloat();
            return value;
        }
    }
}
