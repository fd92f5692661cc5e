package dev.smelt.trainer.sft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.engine.EngineException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.smelt.core.SmeltException;
import dev.smelt.datasets.length.TrainingSequence;
import dev.smelt.datasets.tokenize.TokenizedExample;
import dev.smelt.trainer.SettingException;
import dev.smelt.trainer.TinyDense;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real allocation failure in the engine is reported as one line naming the batch that caused it. */
class OutOfMemoryTest {
    @TempDir Path tmp;

    @Test
    void anAllocationTheDeviceCannotMakeIsReportedWithTheBatchAndASuggestion() throws Exception {
        // 2^24 tokens in one row: the attention mask alone is 2^48 bytes (256 TiB), more than any machine and more
        // than a 47-bit user address space, so the allocation fails whatever the kernel's overcommit policy
        int t = 1 << 24;
        Path model = TinyDense.write(tmp.resolve("m"), "llama", 1);
        ObjectMapper json = new ObjectMapper();
        ObjectNode cfg = (ObjectNode) json.readTree(model.resolve("config.json").toFile());
        cfg.put("max_position_embeddings", t);
        Files.writeString(model.resolve("config.json"), json.writeValueAsString(cfg));
        int[] ids = new int[t];
        int[] labels = new int[t];
        for (int i = 0; i < t; i++) {
            ids[i] = 2 + i % 40;
            labels[i] = i < 4 ? TokenizedExample.IGNORE : ids[i];
        }
        TrainingRows data = new TrainingRows(List.of(TrainingSequence.single(new TokenizedExample(ids, labels))), List.of());
        TrainConfig config = TrainConfig.builder(model, tmp.resolve("out")).loraRank(4).loraAlpha(8).loraDropout(0)
                .maxSteps(1).batchSize(1).seqLen(t).learningRate(1e-3).warmupSteps(0).seed(7).saveEvery(0).keepCheckpoints(1)
                .build();
        assertThatThrownBy(() -> new SftTrainer(config, data, null, false).run())
                .isInstanceOf(SmeltException.class)
                .hasMessageStartingWith("out of memory on cpu on a micro-batch of 1 rows × 16777216 tokens"
                        + " (tried to allocate 256 TiB) (batchSize 1, seqLen 16777216, precision fp32)")
                .hasMessageContaining("lower batchSize or seqLen")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    @Test
    void cudaOutOfMemoryTextIsRecognised() {
        // the text libtorch's CUDA caching allocator throws (no GPU here to make it for real)
        TrainConfig cfg = TrainConfig.builder(tmp, tmp.resolve("o")).loraRank(4).loraAlpha(8).loraDropout(0).epochs(1)
                .batchSize(8).seqLen(512).learningRate(1e-3).warmupSteps(0).seed(7).devices(List.of(Device.gpu(0)))
                .saveEvery(0).keepCheckpoints(1).baseModel("m", null).build();
        HostBatch batch = HostBatch.of(TinyDense.qa(8, 1));
        RuntimeException e = OutOfMemory.wrap(new EngineException("CUDA out of memory. Tried to allocate 2.00 GiB"
                + " (GPU 0; 79.15 GiB total capacity; 77.50 GiB already allocated)"), batch, cfg);
        assertThat(e).isInstanceOf(SettingException.class).hasMessage("out of memory on gpu0 on a micro-batch of 8 rows × 10"
                + " tokens (tried to allocate 2.00 GiB) (batchSize 8, seqLen 512, precision fp32): lower batchSize"
                + " or seqLen and raise gradAccum to keep the effective batch, or use precision fp16");
        // as the command line shows it, each setting spelled as its flag
        assertThat(((SettingException) e).spelled(n -> "--" + n.replaceAll("([A-Z])", "-$1").toLowerCase()))
                .isEqualTo("out of memory on gpu0 on a micro-batch of 8 rows × 10 tokens (tried to allocate 2.00 GiB)"
                        + " (--batch-size 8, --seq-len 512, --precision fp32): lower --batch-size or --seq-len and raise"
                        + " --grad-accum to keep the effective batch, or use --precision fp16");
        RuntimeException other = new IllegalStateException("shape mismatch");
        assertThat(OutOfMemory.wrap(other, batch, cfg)).isSameAs(other);
    }
}
