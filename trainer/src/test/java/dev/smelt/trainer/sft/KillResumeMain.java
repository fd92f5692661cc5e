package dev.smelt.trainer.sft;

import dev.smelt.trainer.TinyDense;
import dev.smelt.trainer.lora.LoraSettings;
import java.nio.file.Path;
import java.util.List;

/** Subprocess body of {@link KillResumeIT}: trains with --resume semantics until done. */
public final class KillResumeMain {
    private KillResumeMain() {}

    static final int STEPS = 30;

    static TrainConfig config(Path model, Path out) {
        return SftTrainerTest.config(model, out, STEPS, 2, true, new LoraSettings.Targets.AllLinear(), 64, 0.1);
    }

    static TrainingRows data() {
        return new TrainingRows(TinyDense.qa(8, 3), TinyDense.qa(2, 9));
    }

    public static void main(String[] args) throws Exception {
        new SftTrainer(config(Path.of(args[0]), Path.of(args[1])), data(), null, false).run();
        System.exit(0);
    }
}
