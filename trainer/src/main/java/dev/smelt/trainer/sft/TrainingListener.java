package dev.smelt.trainer.sft;

import dev.smelt.models.CausalLM;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Follows a run, in the manner of DJL's {@code TrainingListener}: {@link SftTrainer} calls every listener, in the
 * order they were added, at the points below. {@code metrics.jsonl}, the progress line and the loss chart are
 * listeners; tests add their own. Calls come from the thread that runs {@link SftTrainer#run}.
 */
public interface TrainingListener {
    /** The replicas are loaded and any checkpoint restored; no step has run yet. */
    default void onTrainingBegin(Start start) {}

    /** An optimizer step finished (applied, or skipped by the fp16 loss scaler). */
    default void onStep(Step step) {}

    /** The validation loss after {@code step}. */
    default void onEval(int step, double evalLoss) {}

    /** A checkpoint of the state after {@code step} was written to {@code dir}. */
    default void onCheckpoint(int step, Path dir) {}

    /**
     * The run ended: {@code result} is empty when it failed (the failure is rethrown after the listeners ran).
     * On success the adapter files are already written. Called once per run, also after a failure in
     * {@link #onTrainingBegin} (of this or another listener), while the replicas are still open.
     */
    default void onTrainingEnd(Optional<SftTrainer.Result> result) {}

    /**
     * What a run starts from. {@code model} is the first replica (frozen base plus adapters), for reading;
     * {@code resumedFrom} is the checkpoint the run continues, if any.
     */
    record Start(TrainConfig config, CausalLM model, RunState state, int totalSteps, Optional<Path> resumedFrom,
            int adapters, long trainableParameters, long frozenParameters, int trainRows) {}

    /**
     * One optimizer step: its loss (summed token cross-entropy / trained tokens), learning rate, gradient norm before
     * clipping (unscaled), throughput, and in fp16 runs the loss scale it used ({@code lossScale} is empty when
     * scaling is off) and whether its gradients overflowed so the optimizer skipped it. {@code runTokens},
     * {@code runSeconds} and {@code runSteps} count this process's work (a resumed run starts them at 0).
     */
    record Step(int step, int totalSteps, double loss, double learningRate, double gradNorm, double tokensPerSecond,
            Optional<Double> lossScale, boolean skipped, long runTokens, double runSeconds, int runSteps) {}
}
