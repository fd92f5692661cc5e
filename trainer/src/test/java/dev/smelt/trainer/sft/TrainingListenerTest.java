package dev.smelt.trainer.sft;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smelt.trainer.TinyDense;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A listener sees every step, evaluation and checkpoint, with the values metrics.jsonl records. */
class TrainingListenerTest {
    @TempDir Path tmp;

    /** Records what it is told. */
    static final class Recorder implements TrainingListener {
        final List<String> events = new ArrayList<>();
        final List<Step> steps = new ArrayList<>();
        final List<double[]> evals = new ArrayList<>();
        final List<Path> checkpoints = new ArrayList<>();
        Start start;
        Optional<SftTrainer.Result> end;

        @Override
        public void onTrainingBegin(Start start) {
            this.start = start;
            events.add("begin");
        }

        @Override
        public void onStep(Step step) {
            steps.add(step);
            events.add("step " + step.step());
        }

        @Override
        public void onEval(int step, double evalLoss) {
            evals.add(new double[] {step, evalLoss});
            events.add("eval " + step);
        }

        @Override
        public void onCheckpoint(int step, Path dir) {
            checkpoints.add(dir);
            events.add("checkpoint " + step);
        }

        @Override
        public void onTrainingEnd(Optional<SftTrainer.Result> result) {
            end = result;
            events.add("end");
        }
    }

    @Test
    void aListenerSeesWhatMetricsJsonlRecords() throws Exception {
        Path model = TinyDense.write(tmp.resolve("m"), "llama", 1);
        TrainingRows data = new TrainingRows(TinyDense.qa(8, 3), TinyDense.qa(2, 4));
        Path out = tmp.resolve("out");
        TrainConfig cfg = SftTrainerTest.config(model, out, 6, 4, false).toBuilder().evalEvery(3).build();
        Recorder rec = new Recorder();
        SftTrainer.Result r = new SftTrainer(cfg, data, null, false).addListener(rec).run();

        assertThat(rec.events).containsExactly("begin", "step 1", "step 2", "step 3", "eval 3", "step 4", "checkpoint 4",
                "step 5", "step 6", "eval 6", "end");
        assertThat(rec.start.totalSteps()).isEqualTo(6);
        assertThat(rec.start.state().step()).isZero();
        assertThat(rec.start.resumedFrom()).isEmpty();
        assertThat(rec.start.adapters()).isEqualTo(7 * 2); // 7 projections in each of the 2 layers
        assertThat(rec.end).contains(r);
        assertThat(rec.checkpoints).containsExactly(out.resolve("checkpoints/step-00000004"));

        List<MetricsLog.Entry> lines = MetricsLog.read(out.resolve(MetricsLog.FILE));
        List<MetricsLog.Entry> train = lines.stream().filter(e -> e.loss() != null).toList();
        List<MetricsLog.Entry> eval = lines.stream().filter(e -> e.evalLoss() != null).toList();
        assertThat(train).hasSize(rec.steps.size());
        for (int i = 0; i < train.size(); i++) {
            TrainingListener.Step s = rec.steps.get(i);
            assertThat(train.get(i).step()).isEqualTo(s.step());
            assertThat(train.get(i).loss()).isEqualTo(s.loss());
            assertThat(train.get(i).lr()).isEqualTo(s.learningRate());
            assertThat(train.get(i).gradNorm()).isEqualTo(s.gradNorm());
            assertThat(s.lossScale()).isEmpty();
            assertThat(s.skipped()).isFalse();
        }
        assertThat(rec.steps.get(5).loss()).isEqualTo(r.lastLoss());
        assertThat(eval).hasSize(2);
        for (int i = 0; i < eval.size(); i++) {
            assertThat(eval.get(i).step()).isEqualTo((int) rec.evals.get(i)[0]);
            assertThat(eval.get(i).evalLoss()).isEqualTo(rec.evals.get(i)[1]);
        }
        assertThat(r.lastEvalLoss()).isEqualTo(rec.evals.get(1)[1]);
    }

    @Test
    void aResumedRunStartsFromItsCheckpointAndTheListenerIsToldSo() throws Exception {
        Path model = TinyDense.write(tmp.resolve("m"), "llama", 1);
        TrainingRows data = new TrainingRows(TinyDense.qa(8, 3), List.of());
        Path out = tmp.resolve("out");
        new SftTrainer(SftTrainerTest.config(model, out, 4, 2, false), data, null, false).run();
        Recorder rec = new Recorder();
        SftTrainer.Result r = new SftTrainer(SftTrainerTest.config(model, out, 4, 2, true), data, null, false).addListener(rec).run();
        // the finished 4-step run kept its step-2 checkpoint: the resumed run redoes steps 3 and 4
        assertThat(rec.start.resumedFrom()).contains(out.resolve("checkpoints/step-00000002"));
        assertThat(rec.start.state().step()).isEqualTo(2);
        assertThat(rec.events).containsExactly("begin", "step 3", "step 4", "end");
        assertThat(r.steps()).isEqualTo(4);
    }
}
