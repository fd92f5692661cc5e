package dev.smelt.trainer.sft;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import dev.smelt.trainer.TinyDense;
import dev.smelt.trainer.lora.LoraSettings;
import dev.smelt.trainer.optim.LrSchedule;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SftTrainerTest {
    @TempDir Path tmp;

    static TrainConfig config(Path model, Path out, int maxSteps, int saveEvery, boolean resume) {
        return new TrainConfig(model, out,
                new LoraSettings(8, 16, 0.0, false, new LoraSettings.Targets.AllLinear()),
                0, maxSteps, 8, 1, 64, 2e-2, LrSchedule.Kind.COSINE, 2, 0.0, 1.0, 7, List.of(Device.cpu()),
                DataType.FLOAT32, 0, saveEvery, 2, resume, "tiny", null);
    }

    @Test
    void trainingDrivesLossDown() throws Exception {
        Path model = TinyDense.write(tmp.resolve("m"), "llama", 1);
        TrainingData data = new TrainingData(TinyDense.qa(8, 3), TinyDense.qa(2, 3));
        SftTrainer t = new SftTrainer(config(model, tmp.resolve("out"), 40, 0, false), data, System.out, false);
        SftTrainer.Result r = t.run();
        System.out.println(r);
        System.out.println(Files.readString(tmp.resolve("out/metrics.jsonl")));
        
        assertThat(r.lastLoss()).isLessThan(0.05);
        assertThat(Files.exists(tmp.resolve("out/adapter_model.safetensors"))).isTrue();
    }
}
