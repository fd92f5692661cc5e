package dev.smelt.cli.qwen35;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import dev.smelt.core.model.Architecture;
import dev.smelt.core.model.ModelDirectory;
import dev.smelt.core.tiny.TinyModelSpec;
import dev.smelt.core.tiny.TinyModelWriter;
import dev.smelt.datasets.length.TrainingSequence;
import dev.smelt.datasets.tokenize.TokenizedExample;
import dev.smelt.models.CausalLM;
import dev.smelt.models.DecoderCache;
import dev.smelt.models.ModelLoader;
import dev.smelt.trainer.lora.LoraAttach;
import dev.smelt.trainer.peft.AdapterFiles;
import dev.smelt.trainer.sft.SftTrainer;
import dev.smelt.trainer.sft.TrainConfig;
import dev.smelt.trainer.sft.TrainingRows;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * LoRA training of a create-tiny {@code qwen3_5} (chunked delta rule, packed rows) learns a small question →
 * answer set: the loss falls, the adapter covers the linear-attention projections, and greedy decoding with the
 * adapter reloaded from disk reproduces every trained answer. Tied and untied embeddings.
 */
class Qwen35LoraTrainingIT {
    @TempDir Path tmp;

    @ParameterizedTest(name = "tied {0}")
    @ValueSource(booleans = {true, false})
    void trainedAdapterReproducesTheAnswers(boolean tied) throws Exception {
        TinyModelSpec spec = TinyModelSpec.builder(Architecture.QWEN3_5).seed(3).hiddenSize(64).numLayers(4)
                .linearKeyHeads(2).linearValueHeads(4).linearHeadDim(16).tieWordEmbeddings(tied).build();
        Path model = TinyModelWriter.write(spec, tmp.resolve("model")).directory();
        List<int[]> rows = qa(8, 3);
        List<TrainingSequence> train = new ArrayList<>();
        for (int[] ids : rows) {
            int[] labels = ids.clone();
            for (int i = 0; i <= 4; i++) labels[i] = TokenizedExample.IGNORE;
            train.add(TrainingSequence.single(new TokenizedExample(ids, labels)));
        }
        Path out = tmp.resolve("adapter");
        TrainConfig cfg = TrainConfig.builder(model, out).loraRank(8).loraAlpha(16).loraDropout(0).maxSteps(40).batchSize(4)
                .gradAccum(2).seqLen(64).learningRate(2e-2).warmupSteps(2).seed(7).saveEvery(0).keepCheckpoints(1)
                .baseModel("tiny-qwen3_5", null).build();
        SftTrainer.Result r = new SftTrainer(cfg, new TrainingRows(train, List.of()), null, false).run();
        assertThat(r.lastLoss()).isLessThan(0.05);

        AdapterFiles.Adapter adapter = AdapterFiles.read(out);
        String p = "model.language_model.layers.0.linear_attn.";
        assertThat(adapter.pairs()).containsKeys(p + "in_proj_qkv", p + "in_proj_z", p + "in_proj_a", p + "in_proj_b",
                p + "out_proj", "model.language_model.layers.3.self_attn.q_proj");

        try (NDManager m = NDManager.newBaseManager(Device.cpu());
                CausalLM lm = ModelLoader.load(ModelDirectory.open(model), Device.cpu(), DataType.FLOAT32)) {
            LoraAttach.apply(lm, out);
            ParameterStore ps = new ParameterStore(m, false);
            for (int[] row : rows) {
                int[] prompt = Arrays.copyOf(row, 5);
                int[] expected = Arrays.copyOfRange(row, 5, row.length);
                int[] got = new int[expected.length];
                try (DecoderCache cache = lm.newCache(m, 1)) {
                    NDArray logits = lm.step(ps, ids(m, prompt), cache, true);
                    for (int i = 0; i < got.length; i++) {
                        got[i] = (int) logits.argMax(-1).toType(DataType.INT64, false).getLong(0, 0);
                        logits = lm.step(ps, ids(m, got[i]), cache, true);
                    }
                }
                assertThat(got).as("answer to %s", Arrays.toString(prompt)).containsExactly(expected);
            }
        }
    }

    private static NDArray ids(NDManager m, int... tokens) {
        return m.create(tokens, new Shape(1, tokens.length)).toType(DataType.INT64, false);
    }

    /** Rows "BOS q1 q2 q3 SEP a1 a2 a3 a4 EOS" whose answer is a fixed function of the question. */
    private static List<int[]> qa(int count, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<int[]> out = new ArrayList<>();
        for (int k = 0; k < count; k++) {
            int[] q = {2 + rnd.nextInt(20), 2 + rnd.nextInt(20), 2 + rnd.nextInt(20)};
            out.add(new int[] {0, q[0], q[1], q[2], 22, 24 + (q[0] + q[1]) % 20, 24 + (q[1] * 3) % 20,
                24 + (q[2] + 7) % 20, 24 + (q[0] * q[2]) % 20, 1});
        }
        return out;
    }
}
