package dev.smelt.trainer.sft;

import java.io.IOException;
import dev.smelt.core.SmeltException;
import java.util.Optional;

/** Writes {@code metrics.jsonl} in the output directory ({@link MetricsLog}); a resumed run keeps the lines up to its step. */
final class MetricsListener implements TrainingListener {
    private MetricsLog log;

    @Override
    public void onTrainingBegin(Start start) {
        try {
            log = MetricsLog.open(start.config().outDir(), start.state().step());
        } catch (IOException e) {
            throw new SmeltException(start.config().outDir().resolve(MetricsLog.FILE) + ": cannot write: " + e.getMessage(), e);
        }
    }

    @Override
    public void onStep(Step s) {
        log.train(s.step(), s.loss(), s.learningRate(), s.gradNorm(), s.tokensPerSecond(), s.lossScale().orElse(null),
                s.skipped());
    }

    @Override
    public void onEval(int step, double evalLoss) {
        log.eval(step, evalLoss);
    }

    @Override
    public void onTrainingEnd(Optional<SftTrainer.Result> result) {
        if (log == null) return;
        try {
            log.close();
        } catch (IOException e) {
            throw new SmeltException(log.file() + ": cannot write: " + e.getMessage(), e);
        }
    }
}
