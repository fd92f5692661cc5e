package dev.smelt.trainer.sft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import dev.smelt.trainer.SettingException;
import dev.smelt.trainer.TinyDense;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The defaults the library owns and the setting names its errors use. */
class TrainConfigTest {
    @TempDir Path tmp;

    @Test
    void defaultSeqLenIsCappedToTheModelContext() throws Exception {
        Path model = TinyDense.write(tmp.resolve("m"), "llama", 1); // max_position_embeddings 128
        assertThat(TrainConfig.builder(model, tmp.resolve("o")).build().seqLen()).isEqualTo(128);
        assertThat(TrainConfig.builder(model, tmp.resolve("o")).seqLen(64).build().seqLen()).isEqualTo(64);
        // an explicit length is kept as given; the run refuses it against the context, naming the setting
        assertThat(TrainConfig.builder(model, tmp.resolve("o")).seqLen(4096).build().seqLen()).isEqualTo(4096);
    }

    @Test
    void totalStepsComeFromRowsEpochsBatchAndAccumulation() {
        TrainConfig c = config().epochs(3).batchSize(4).gradAccum(2).build();
        // 21 rows: 6 micro-batches of 4 (the last holds 1), 3 optimizer steps of 2 per epoch
        assertThat(c.stepsPerEpoch(21)).isEqualTo(3);
        assertThat(c.totalSteps(21)).isEqualTo(9);
        assertThat(c.totalSteps(24)).isEqualTo(9);
        assertThat(c.totalSteps(25)).isEqualTo(12);
        assertThat(c.toBuilder().maxSteps(5).build().totalSteps(21)).as("maxSteps overrides epochs").isEqualTo(5);
    }

    @Test
    void warmupIsAShareOfTheRunUnlessGiven() {
        TrainConfig c = config().build();
        assertThat(c.warmupShare()).isEqualTo(TrainConfig.DEFAULT_WARMUP_SHARE).isEqualTo(0.03);
        assertThat(c.warmupStepsFor(100)).isEqualTo(3);
        assertThat(c.warmupStepsFor(101)).as("rounded up").isEqualTo(4);
        assertThat(c.warmupStepsFor(10)).isEqualTo(1);
        assertThat(config().warmupShare(0.1).build().warmupStepsFor(50)).isEqualTo(5);
        assertThat(config().warmupSteps(7).build().warmupStepsFor(100)).isEqualTo(7);
        assertThat(config().warmupSteps(0).build().warmupStepsFor(100)).isZero();
        // a resume compares the resolved warm-up, as the run used it
        assertThat(config().epochs(2).batchSize(2).build().fingerprint("d", "m", 100)).containsEntry("warmup_steps", "3");
    }

    @Test
    void defaultsAreTheDocumentedOnes() {
        TrainConfig c = config().build();
        assertThat(c.lora().r()).isEqualTo(16);
        assertThat(c.lora().alpha()).isEqualTo(32);
        assertThat(c.lora().dropout()).isEqualTo(0.05);
        assertThat(c.epochs()).isEqualTo(1);
        assertThat(c.maxSteps()).isZero();
        assertThat(c.batchSize()).isEqualTo(4);
        assertThat(c.gradAccum()).isEqualTo(1);
        assertThat(c.learningRate()).isEqualTo(2e-4);
        assertThat(c.devices()).containsExactly(Device.cpu());
        assertThat(c.saveEvery()).isEqualTo(100);
        assertThat(c.keepCheckpoints()).isEqualTo(2);
        assertThat(c.baseModelName()).isEqualTo(tmp.resolve("m").toString());
    }

    @Test
    void errorsNameTheSetting() {
        assertThatThrownBy(() -> config().learningRate(0).build()).isInstanceOf(SettingException.class)
                .hasMessage("learningRate must be > 0, got 0.0");
        assertThatThrownBy(() -> config().batchSize(0).build()).hasMessage("batchSize must be >= 1, got 0");
        assertThatThrownBy(() -> config().loraRank(0).build()).hasMessage("lora.r must be a positive integer, got 0");
        assertThatThrownBy(() -> config().warmupSteps(-1).build()).hasMessage("warmupSteps must be >= 0, got -1");
        assertThatThrownBy(() -> config().epochs(0).build()).hasMessage("epochs must be >= 1 (or set maxSteps)");
        assertThatThrownBy(() -> config().keepCheckpoints(0).build()).hasMessage("keepCheckpoints must be >= 1, got 0");
        // a front end spells the names its own way
        SettingException e = (SettingException) org.assertj.core.api.Assertions.catchThrowable(
                () -> config().epochs(0).build());
        Map<String, String> flags = Map.of("epochs", "--epochs", "maxSteps", "--max-steps");
        assertThat(e.spelled(flags::get)).isEqualTo("--epochs must be >= 1 (or set --max-steps)");
    }

    private TrainConfig.Builder config() {
        // an explicit seqLen: nothing reads the (absent) model directory
        return TrainConfig.builder(tmp.resolve("m"), tmp.resolve("o")).seqLen(64).devices(List.of(Device.cpu()));
    }
}
