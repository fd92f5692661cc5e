package dev.smelt.trainer.sft;

import ai.djl.ndarray.types.DataType;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * The run as the user watches it: what is trained on what, then one status line (step/total, loss, lr,
 * tokens/s, ETA), rewritten in place on a terminal and printed every 5% of the run otherwise, with
 * evaluations and the end on lines of their own. Prints nothing when {@code out} is null.
 */
final class ProgressLine implements TrainingListener {
    private final PrintStream out;
    private final boolean live;
    private int logEvery = 1;
    private int lastWidth;

    ProgressLine(PrintStream out, boolean live) {
        this.out = out;
        this.live = live;
    }

    @Override
    public void onTrainingBegin(Start start) {
        logEvery = Math.max(1, start.totalSteps() / 20);
        start.resumedFrom().ifPresent(dir -> message("resuming from " + dir + " (step " + start.state().step() + "/"
                + start.totalSteps() + ")"));
        TrainConfig cfg = start.config();
        message(String.format(Locale.ROOT, "training %d adapters (%,d trainable parameters, %,d frozen) on %s, %d rows, %d steps",
                start.adapters(), start.trainableParameters(), start.frozenParameters(),
                cfg.deviceNames() + (cfg.precision() == DataType.FLOAT16 ? " in fp16" : ""), start.trainRows(),
                start.totalSteps()));
    }

    @Override
    public void onStep(Step s) {
        double tokensPerSecond = s.runTokens() / Math.max(1e-9, s.runSeconds());
        double eta = s.runSeconds() / s.runSteps() * (s.totalSteps() - s.step());
        update(s.step(), s.totalSteps(), s.loss(), s.learningRate(), tokensPerSecond, eta);
    }

    @Override
    public void onEval(int step, double evalLoss) {
        message(String.format(Locale.ROOT, "step %d: eval loss %.4f, perplexity %.3f", step, evalLoss, Math.exp(evalLoss)));
    }

    @Override
    public void onTrainingEnd(Optional<SftTrainer.Result> result) {
        result.filter(SftTrainer.Result::stopped).ifPresent(r -> message("stopped: checkpoint " + r.checkpoint()
                + " (continue it with resume set)"));
        finish();
    }

    void update(int step, int total, double loss, double lr, double tokensPerSecond, double etaSeconds) {
        if (out == null) return;
        String line = String.format(Locale.ROOT, "step %d/%d  loss %.4f  lr %.2e  %,.0f tok/s  ETA %s",
                step, total, loss, lr, tokensPerSecond, eta(etaSeconds));
        if (live) {
            int pad = Math.max(0, lastWidth - line.length());
            out.print("\r" + line + " ".repeat(pad));
            lastWidth = line.length();
            out.flush();
        } else if (step % logEvery == 0 || step == total) {
            out.println(line);
        }
    }

    /** Prints a message on its own line without breaking the live line. */
    void message(String text) {
        if (out == null) return;
        if (live && lastWidth > 0) {
            out.print("\r" + " ".repeat(lastWidth) + "\r");
            lastWidth = 0;
        }
        out.println(text);
        out.flush();
    }

    void finish() {
        if (out != null && live && lastWidth > 0) {
            out.println();
            lastWidth = 0;
        }
    }

    private static String eta(double s) {
        if (!Double.isFinite(s) || s < 0) return "--:--";
        Duration d = Duration.ofSeconds((long) s);
        return d.toHours() > 0 ? String.format(Locale.ROOT, "%d:%02d:%02d", d.toHours(), d.toMinutesPart(), d.toSecondsPart())
                : String.format(Locale.ROOT, "%02d:%02d", d.toMinutesPart(), d.toSecondsPart());
    }
}
