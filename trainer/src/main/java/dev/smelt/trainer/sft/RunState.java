package dev.smelt.trainer.sft;

/**
 * Where a run stands after {@code step} optimizer steps: the data position (epoch, and the next micro-batch
 * within it; the shuffle order is a function of seed and epoch), the tokens trained so far, and the fp16 loss
 * scaler (scale and clean steps since it last changed; 1 and 0 when scaling is off). With the adapter and the
 * optimizer moments this is everything a resumed run needs: the dropout RNG is reseeded from (seed, step,
 * micro-batch) before every forward pass, so the step is its state.
 */
public record RunState(int step, int epoch, int batchInEpoch, long tokensSeen, double lossScale, int lossScaleGoodSteps) {
    /** A fresh run whose loss scaler starts at {@code lossScale}. */
    public static RunState start(double lossScale) {
        return new RunState(0, 0, 0, 0, lossScale, 0);
    }

    /** The state after one more optimizer step. */
    public RunState next(int epoch, int batchInEpoch, long stepTokens, double lossScale, int lossScaleGoodSteps) {
        return new RunState(step + 1, epoch, batchInEpoch, tokensSeen + stepTokens, lossScale, lossScaleGoodSteps);
    }
}
