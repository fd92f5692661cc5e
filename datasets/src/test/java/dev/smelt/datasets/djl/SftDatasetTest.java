package dev.smelt.datasets.djl;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.dataset.Batch;
import dev.smelt.datasets.TestModels;
import dev.smelt.datasets.length.TrainingSequence;
import dev.smelt.datasets.prepare.DataOptions;
import dev.smelt.datasets.prepare.DataPreparer;
import dev.smelt.datasets.prepare.PreparedData;
import dev.smelt.datasets.tokenize.TokenizedExample;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SftDatasetTest {
    @TempDir
    Path dir;

    @Test
    void batchesArePaddedPerArrayAndFollowTheSeededOrder() throws Exception {
        Path model = TestModels.modelDir(dir, "qwen2_5");
        List<String> rows = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            rows.add("{\"messages\":[{\"role\":\"user\",\"content\":\"q" + i + "\"},{\"role\":\"assistant\",\"content\":\""
                    + "word ".repeat(1 + 3 * i).trim() + "\"}]}");
        }
        Path data = dir.resolve("d.jsonl");
        Files.write(data, rows);
        try (PreparedData prepared = DataPreparer.builder().data(data.toString()).model(model)
                .options(DataOptions.builder().seed(1).build()).build();
             NDManager manager = NDManager.newBaseManager()) {
            int pad = prepared.padTokenId();
            assertThat(pad).isEqualTo(TestModels.tokenizer().endOfTextId());
            SftDataset dataset = prepared.trainDataset(2);
            assertThat(dataset.size()).isEqualTo(5);
            int row = 0;
            for (Batch batch : dataset.getData(manager)) {
                try (batch) {
                    NDArray ids = batch.getData().get(0);
                    NDArray positions = batch.getData().get(1);
                    NDArray segments = batch.getData().get(2);
                    NDArray labels = batch.getLabels().get(0);
                    long width = ids.getShape().get(1);
                    assertThat(labels.getShape()).isEqualTo(ids.getShape());
                    for (int b = 0; b < ids.getShape().get(0); b++, row++) {
                        TrainingSequence expected = prepared.train().get(row);
                        long[] gotIds = ids.get(b).toLongArray();
                        long[] gotLabels = labels.get(b).toLongArray();
                        long[] gotSeg = segments.get(b).toLongArray();
                        long[] gotPos = positions.get(b).toLongArray();
                        for (int t = 0; t < width; t++) {
                            boolean real = t < expected.length();
                            assertThat(gotIds[t]).isEqualTo(real ? expected.inputIds()[t] : pad);
                            assertThat(gotLabels[t]).isEqualTo(real ? expected.labels()[t] : TokenizedExample.IGNORE);
                            assertThat(gotSeg[t]).isEqualTo(real ? 1 : 0);
                            assertThat(gotPos[t]).isEqualTo(real ? t : 0);
                        }
                    }
                }
            }
            assertThat(row).isEqualTo(5);
        }
    }
}
