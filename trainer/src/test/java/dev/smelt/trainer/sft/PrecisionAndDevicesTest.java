package dev.smelt.trainer.sft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import dev.smelt.core.SmeltException;
import dev.smelt.core.model.Architecture;
import dev.smelt.core.tiny.TinyModelSpec;
import dev.smelt.core.tiny.TinyModelWriter;
import dev.smelt.models.CausalLM;
import dev.smelt.trainer.TinyDense;
import dev.smelt.trainer.peft.AdapterFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.assertj.core.data.Offset;
import org.assertj.core.data.Percentage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** fp16 mixed precision, the bf16 refusal, and data parallelism across model replicas. */
class PrecisionAndDevicesTest {
    @TempDir Path tmp;

    static TrainConfig config(Path model, Path out, int maxSteps, int batchSize, List<Device> devices, DataType precision) {
        return TrainConfig.builder(model, out).loraRank(8).loraAlpha(16).loraDropout(0).maxSteps(maxSteps)
                .batchSize(batchSize).gradAccum(2).seqLen(64).learningRate(2e-2).warmupSteps(2).weightDecay(0.01).seed(7)
                .devices(devices).precision(precision).saveEvery(0).keepCheckpoints(2).baseModel("tiny", null).build();
    }

    @Test
    void fp16TrainingLearnsWithFloat16BaseAndFloat32Adapters() throws Exception {
        Path model = TinyDense.write(tmp.resolve("m"), "llama", 1);
        TrainingRows data = new TrainingRows(TinyDense.qa(8, 3), TinyDense.qa(2, 4));
        SftTrainer t = new SftTrainer(config(model, tmp.resolve("fp16"), 60, 4, List.of(Device.cpu()), DataType.FLOAT16),
                data, null, false);
        Map<String, DataType> types = new TreeMap<>();
        List<Long> digests = new ArrayList<>();
        t.addListener(SftTrainerTest.frozenDigests(digests, m -> types.putAll(parameterTypes(m))));
        SftTrainer.Result r = t.run();
        assertThat(types).isNotEmpty();
        types.forEach((name, type) -> assertThat(type).as(name)
                .isEqualTo(name.contains("lora_") ? DataType.FLOAT32 : DataType.FLOAT16));
        assertThat(digests).hasSize(2);
        assertThat(digests.get(1)).as("frozen fp16 base weights").isEqualTo(digests.get(0));
        assertThat(r.lastLoss()).isLessThan(0.05);
        assertThat(r.lastEvalLoss()).isNotNull();
        assertThat(Files.readAllLines(tmp.resolve("fp16/metrics.jsonl"))).noneMatch(l -> l.contains("NaN"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama", "qwen3", "qwen3_5"})
    void fp16FollowsTheFp32RunClosely(String arch) throws Exception {
        // Dynamic loss scaling starts at 65536: steps whose fp16 gradients overflow are skipped (adapters untouched)
        // and halve the scale. The first applied step therefore sees the initial adapters, as fp32 step 1 does, and
        // its loss and gradient norm (unscaled, in float32) must match up to half-precision rounding.
        Path model = arch.equals("qwen3_5") ? tinyQwen35(tmp.resolve("m")) : TinyDense.write(tmp.resolve("m"), arch, 1);
        TrainingRows data = new TrainingRows(TinyDense.qa(8, 3), List.of());
        int steps = arch.equals("qwen3_5") ? 24 : 8;
        new SftTrainer(config(model, tmp.resolve("fp32"), steps, 4, List.of(Device.cpu()), DataType.FLOAT32), data, null, false).run();
        SftTrainer.Result r = new SftTrainer(config(model, tmp.resolve("fp16"), steps, 4, List.of(Device.cpu()), DataType.FLOAT16),
                data, null, false).run();
        List<String> a = Files.readAllLines(tmp.resolve("fp32/metrics.jsonl"));
        List<String> b = Files.readAllLines(tmp.resolve("fp16/metrics.jsonl"));
        assertThat(a).noneMatch(l -> l.contains("loss_scale"));
        int first = 0;
        double scale = 65536;
        while (b.get(first).contains("\"skipped\":true")) {
            assertThat(field(b.get(first), "loss_scale")).isEqualTo(scale);
            scale /= 2;
            first++;
        }
        assertThat(first).as("skipped steps").isLessThan(5);
        assertThat(field(b.get(first), "loss_scale")).isEqualTo(scale);
        assertThat(field(b.get(first), "loss")).isCloseTo(field(a.get(0), "loss"), Offset.offset(0.02));
        if (arch.equals("qwen3_5")) {
            // this random tiny hybrid is badly conditioned (loss 13.4 at the start): rounding only its weights to fp16
            // moves the first gradient norm from 37.5 to 45.9, so a close match is not expected; it must learn instead
            assertThat(r.lastLoss()).isLessThan(0.5);
        } else {
            assertThat(field(b.get(first), "grad_norm")).isCloseTo(field(a.get(0), "grad_norm"),
                    Percentage.withPercentage(5));
        }
        // every adapter, down to layer 0, got a gradient: nothing on the fp16 path cut the backward pass
        AdapterFiles.read(tmp.resolve("fp16")).pairs().forEach((module, p) -> {
            double sum = 0;
            for (float f : p.b()) sum += Math.abs(f);
            assertThat(sum).as(module).isGreaterThan(0);
        });
    }

    @Test
    void fp16ResumeRestoresTheLossScaleAndEndsWithTheSameAdapter() throws Exception {
        // a finished run keeps its step-6 checkpoint; resuming from it redoes steps 7..12, which only gives the same
        // adapter if the loss scale and its clean-step count come back with the optimizer state (this model's first
        // steps overflow, so the scale at the checkpoint is not the initial one)
        Path model = tinyQwen35(tmp.resolve("m"));
        TrainingRows data = new TrainingRows(TinyDense.qa(8, 3), List.of());
        Path out = tmp.resolve("run");
        TrainConfig first = config(model, out, 12, 4, List.of(Device.cpu()), DataType.FLOAT16).toBuilder().saveEvery(6).build();
        new SftTrainer(first, data, null, false).run();
        assertThat(Files.readString(out.resolve("metrics.jsonl"))).contains("\"skipped\":true");
        Path straight = Files.copy(out.resolve("adapter_model.safetensors"), tmp.resolve("straight.safetensors"));
        TrainConfig resumed = first.toBuilder().resume(true).build();
        SftTrainer.Result r = new SftTrainer(resumed, data, null, false).run();
        assertThat(r.steps()).isEqualTo(12);
        Path again = tmp.resolve("again");
        Files.createDirectories(again);
        Files.copy(straight, again.resolve("adapter_model.safetensors"));
        Files.copy(out.resolve("adapter_config.json"), again.resolve("adapter_config.json"));
        assertThat(SftTrainerTest.maxAbsDiff(out, again)).isLessThan(1e-5);
    }

    @Test
    void bf16IsRefusedWithTheReason() {
        Path model = tmp.resolve("m");
        assertThatThrownBy(() -> config(model, tmp.resolve("o"), 2, 4, List.of(Device.cpu()), DataType.BFLOAT16))
                .isInstanceOf(SmeltException.class).hasMessageContaining("precision bf16 is not available")
                .hasMessageContaining("dtype table");
    }

    @Test
    void dataParallelReplicasGiveTheSameAdapterAsOneDevice() throws Exception {
        // The multi-GPU path (rows split across replicas, gradients summed on the first, adapters copied back)
        // run with two replicas on the CPU: with the loss normalised by the step's trained tokens it must give the
        // single-device result. A GPU run changes only where the replicas live.
        Path model = TinyDense.write(tmp.resolve("m"), "qwen2", 1);
        TrainingRows data = new TrainingRows(TinyDense.qa(10, 3), List.of());
        new SftTrainer(config(model, tmp.resolve("one"), 6, 5, List.of(Device.cpu()), DataType.FLOAT32), data, null, false).run();
        new SftTrainer(config(model, tmp.resolve("two"), 6, 5, List.of(Device.cpu(), Device.cpu()), DataType.FLOAT32), data,
                null, false).run();
        List<String> a = Files.readAllLines(tmp.resolve("one/metrics.jsonl"));
        List<String> b = Files.readAllLines(tmp.resolve("two/metrics.jsonl"));
        for (int i = 0; i < a.size(); i++) {
            assertThat(field(b.get(i), "loss")).isCloseTo(field(a.get(i), "loss"), Offset.offset(1e-5));
        }
        assertThat(SftTrainerTest.maxAbsDiff(tmp.resolve("one"), tmp.resolve("two"))).isLessThan(1e-5);
    }

    static Path tinyQwen35(Path dir) throws IOException {
        return TinyModelWriter.write(TinyModelSpec
                .builder(Architecture.QWEN3_5).seed(3).hiddenSize(64).numLayers(4)
                .linearKeyHeads(2).linearValueHeads(4).linearHeadDim(16).build(), dir).directory();
    }

    static Map<String, DataType> parameterTypes(CausalLM m) {
        Map<String, DataType> out = new TreeMap<>();
        for (var e : m.getParameters()) {
            Parameter p = e.getValue();
            if (p.getArray().getShape().dimension() < 2) continue; // norms may be kept in float32 by the loader
            out.put(e.getKey(), p.getArray().getDataType());
        }
        return out;
    }

    static double field(String jsonLine, String name) {
        var m = Pattern.compile("\"" + name + "\"\\s*:\\s*([-0-9.eE+]+)").matcher(jsonLine);
        if (!m.find()) throw new AssertionError("no " + name + " in " + jsonLine);
        return Double.parseDouble(m.group(1));
    }
}
