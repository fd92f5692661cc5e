package dev.smelt.trainer.sft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.nn.Parameter;
import dev.smelt.core.SmeltException;
import dev.smelt.datasets.length.TrainingSequence;
import dev.smelt.datasets.tokenize.TokenizedExample;
import dev.smelt.models.CausalLM;
import dev.smelt.trainer.TinyDense;
import dev.smelt.trainer.lora.LoraSettings;
import dev.smelt.trainer.optim.AdamW;
import dev.smelt.trainer.peft.AdapterFiles;
import dev.smelt.trainer.peft.LoraPair;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SftTrainerTest {
    @TempDir Path tmp;

    static TrainConfig config(Path model, Path out, int maxSteps, int saveEvery, boolean resume) {
        return config(model, out, maxSteps, saveEvery, resume, new LoraSettings.Targets.AllLinear(), 64, 0.0);
    }

    static TrainConfig config(Path model, Path out, int maxSteps, int saveEvery, boolean resume,
            LoraSettings.Targets targets, int seqLen, double dropout) {
        return TrainConfig.builder(model, out).loraRank(8).loraAlpha(16).loraDropout(dropout).targets(targets)
                .maxSteps(maxSteps).batchSize(4).gradAccum(2).seqLen(seqLen).learningRate(2e-2).warmupSteps(2)
                .weightDecay(0.01).seed(7).evalEvery(10).saveEvery(saveEvery).keepCheckpoints(2).resume(resume)
                .baseModel("tiny", null).build();
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama", "qwen2", "qwen3"})
    void trainingReachesLowLossAndLeavesBaseWeightsBitIdentical(String arch) throws Exception {
        Path model = TinyDense.write(tmp.resolve("m"), arch, 1);
        TrainingRows data = new TrainingRows(TinyDense.qa(8, 3), TinyDense.qa(2, 4));
        SftTrainer t = new SftTrainer(config(model, tmp.resolve("out"), 60, 0, false), data, null, false);
        List<Long> digests = new ArrayList<>();
        t.addListener(frozenDigests(digests, m -> {}));
        SftTrainer.Result r = t.run();
        assertThat(r.lastLoss()).isLessThan(0.05);
        assertThat(r.lastEvalLoss()).isNotNull();
        assertThat(digests).hasSize(2);
        assertThat(digests.get(1)).isEqualTo(digests.get(0));
        assertThat(tmp.resolve("out/metrics.jsonl")).exists();
        assertThat(Files.readAllLines(tmp.resolve("out/metrics.jsonl"))).anyMatch(l -> l.contains("eval_loss"));
        assertThat(tmp.resolve("out/" + LossChart.FILE)).exists();
        AdapterFiles.Adapter a = AdapterFiles.read(tmp.resolve("out"));
        assertThat(a.pairs()).containsKey("model.layers.1.mlp.down_proj");
    }

    @Test
    void stopAndResumeEndsWithTheSameAdapter() throws Exception {
        Path model = TinyDense.write(tmp.resolve("m"), "llama", 1);
        TrainingRows data = new TrainingRows(TinyDense.qa(8, 3), List.of());
        new SftTrainer(config(model, tmp.resolve("a"), 12, 0, false, new LoraSettings.Targets.AllLinear(), 64, 0.1), data,
                null, false).run();

        SftTrainer first = new SftTrainer(config(model, tmp.resolve("b"), 12, 3, true,
                new LoraSettings.Targets.AllLinear(), 64, 0.1), data, null, false);
        Thread th = new Thread(() -> {
            try {
                first.run();
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        th.start();
        Path metrics = tmp.resolve("b/metrics.jsonl");
        while (th.isAlive() && (!Files.exists(metrics) || Files.readAllLines(metrics).size() < 5)) Thread.sleep(20);
        first.requestStop();
        assertThat(first.awaitFinished(60, TimeUnit.SECONDS)).isTrue();
        th.join();
        SftTrainer.Result r = new SftTrainer(config(model, tmp.resolve("b"), 12, 3, true,
                new LoraSettings.Targets.AllLinear(), 64, 0.1), data, null, false).run();
        assertThat(r.steps()).isEqualTo(12);
        if (maxAbsDiff(tmp.resolve("a"), tmp.resolve("b")) >= 1e-5) {
            System.out.println(Files.readString(tmp.resolve("a/metrics.jsonl")));
            System.out.println(Files.readString(tmp.resolve("b/metrics.jsonl")));
        }
        assertThat(maxAbsDiff(tmp.resolve("a"), tmp.resolve("b"))).isLessThan(1e-5);
    }

    @Test
    void checkpointingEveryStepChangesNothing() throws Exception {
        Path model = TinyDense.write(tmp.resolve("m"), "llama", 1);
        TrainingRows data = new TrainingRows(TinyDense.qa(8, 3), List.of());
        new SftTrainer(config(model, tmp.resolve("plain"), 20, 0, false, new LoraSettings.Targets.AllLinear(), 64, 0.1), data,
                null, false).run();
        new SftTrainer(config(model, tmp.resolve("saving"), 20, 1, false, new LoraSettings.Targets.AllLinear(), 64, 0.1), data,
                null, false).run();
        assertThat(maxAbsDiff(tmp.resolve("plain"), tmp.resolve("saving"))).isEqualTo(0.0);
        assertThat(Files.readAllLines(tmp.resolve("saving/metrics.jsonl"))).noneMatch(l -> l.contains("Infinity") || l.contains("NaN"));
        assertThat(new Checkpoints(tmp.resolve("saving"), 2).list()).hasSize(2);
    }

    @Test
    void resumeWithADifferentSettingIsRefusedNamingIt() throws Exception {
        Path model = TinyDense.write(tmp.resolve("m"), "llama", 1);
        TrainingRows data = new TrainingRows(TinyDense.qa(8, 3), List.of());
        new SftTrainer(config(model, tmp.resolve("o"), 4, 2, false), data, null, false).run();
        TrainConfig other = config(model, tmp.resolve("o"), 4, 2, true).toBuilder().loraRank(4).build();
        assertThatThrownBy(() -> new SftTrainer(other, data, null, false).run())
                .isInstanceOf(SmeltException.class).hasMessageContaining("\"lora_r\"");
        assertThatThrownBy(() -> new SftTrainer(config(model, tmp.resolve("o"), 4, 2, false), data, null, false).run())
                .isInstanceOf(SmeltException.class).hasMessageContaining("use resume to continue");
    }

    @Test
    void badInputsAreRefusedWithOneLine() throws Exception {
        Path model = TinyDense.write(tmp.resolve("m"), "llama", 1);
        TrainingRows data = new TrainingRows(TinyDense.qa(4, 3), List.of());
        assertThatThrownBy(() -> new SftTrainer(config(model, tmp.resolve("o1"), 2, 0, false,
                new LoraSettings.Targets.Names(List.of("q_proj", "qkv_proj")), 64, 0), data, null, false).run())
                .isInstanceOf(SmeltException.class).hasMessageContaining("\"qkv_proj\" does not exist");
        assertThatThrownBy(() -> new SftTrainer(config(model, tmp.resolve("o2"), 2, 0, false,
                new LoraSettings.Targets.AllLinear(), 4096, 0), data, null, false).run())
                .isInstanceOf(SmeltException.class).hasMessageContaining("max_position_embeddings 128");
        int[] ids = {0, 5, 6, 7, 1};
        int[] none = {-100, -100, -100, -100, -100};
        TrainingRows masked = new TrainingRows(List.of(TrainingSequence.single(new TokenizedExample(ids, none))), List.of());
        assertThatThrownBy(() -> new SftTrainer(config(model, tmp.resolve("o3"), 2, 0, false), masked, null, false).run())
                .isInstanceOf(SmeltException.class).hasMessageContaining("zero trainable tokens");
    }

    /** Records the digest of the frozen base weights when training begins and when it completes. */
    static TrainingListener frozenDigests(List<Long> digests, Consumer<CausalLM> alsoSee) {
        return new TrainingListener() {
            CausalLM model;

            @Override
            public void onTrainingBegin(Start start) {
                model = start.model();
                digests.add(frozenDigest(model));
                alsoSee.accept(model);
            }

            @Override
            public void onTrainingEnd(Optional<SftTrainer.Result> result) {
                if (result.isPresent() && !result.get().stopped()) {
                    digests.add(frozenDigest(model));
                    alsoSee.accept(model);
                }
            }
        };
    }

    static double maxAbsDiff(Path a, Path b) {
        AdapterFiles.Adapter x = AdapterFiles.read(a);
        AdapterFiles.Adapter y = AdapterFiles.read(b);
        assertThat(y.pairs().keySet()).isEqualTo(x.pairs().keySet());
        double max = 0;
        for (LoraPair p : x.pairs().values()) {
            LoraPair q = y.pairs().get(p.module());
            for (int i = 0; i < p.a().length; i++) max = Math.max(max, Math.abs(p.a()[i] - q.a()[i]));
            for (int i = 0; i < p.b().length; i++) max = Math.max(max, Math.abs(p.b()[i] - q.b()[i]));
        }
        return max;
    }

    static long frozenDigest(CausalLM m) {
        CRC32 crc = new CRC32();
        for (var e : m.getParameters()) {
            Parameter p = e.getValue();
            if (p.getName().startsWith("lora_")) continue;
            assertThat(p.requiresGradient()).as(e.getKey()).isFalse();
            for (float f : AdamW.copyToHost(p.getArray())) {
                int bits = Float.floatToRawIntBits(f);
                crc.update(bits);
                crc.update(bits >>> 8);
                crc.update(bits >>> 16);
                crc.update(bits >>> 24);
            }
        }
        return crc.getValue();
    }
}
