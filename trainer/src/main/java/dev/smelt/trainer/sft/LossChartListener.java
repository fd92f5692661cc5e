package dev.smelt.trainer.sft;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/** Renders {@code loss.png} from {@code metrics.jsonl} when a run completes; a failure to render is only a warning. */
final class LossChartListener implements TrainingListener {
    private final ProgressLine progress;
    private Path outDir;

    LossChartListener(ProgressLine progress) {
        this.progress = progress;
    }

    @Override
    public void onTrainingBegin(Start start) {
        outDir = start.config().outDir();
    }

    @Override
    public void onTrainingEnd(Optional<SftTrainer.Result> result) {
        if (result.isEmpty() || result.get().stopped()) return;
        try {
            LossChart.render(MetricsLog.read(outDir.resolve(MetricsLog.FILE)), outDir.resolve(LossChart.FILE));
        } catch (IOException | RuntimeException | LinkageError e) {
            progress.message("warning: loss chart not rendered: " + e);
        }
    }
}
