package dev.smelt.trainer.sft;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smelt.trainer.TinyDense;
import dev.smelt.trainer.lora.LoraSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Training must be a pure function of its inputs even while the JVM collects garbage. DJL wraps Java
 * buffers in tensors without copying; a tensor that autograd saves for backward and whose Java buffer
 * is freed makes the gradient garbage. Collecting every few milliseconds turns that rare corruption into
 * a near-certain one, so identical runs here must log identical gradient norms.
 */
class GcStressDeterminismTest {
    @TempDir
    Path tmp;

    @Test
    void identicalRunsAgreeWhileTheJvmCollectsGarbage() throws Exception {
        Path model = TinyDense.write(tmp.resolve("m"), "llama", 1);
        TrainingRows data = new TrainingRows(TinyDense.qa(8, 3), List.of());
        Thread collector = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                System.gc();
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        collector.setDaemon(true);
        collector.start();
        List<List<String>> norms = new ArrayList<>();
        try {
            for (int run = 0; run < 3; run++) {
                Path out = tmp.resolve("run" + run);
                new SftTrainer(SftTrainerTest.config(model, out, 4, 0, false, new LoraSettings.Targets.AllLinear(), 64, 0.1),
                        data, null, false).run();
                norms.add(Files.readAllLines(out.resolve("metrics.jsonl")).stream()
                        .map(l -> l.replaceAll(".*\"grad_norm\":\"?([^,\"]+).*", "$1")).toList());
            }
        } finally {
            collector.interrupt();
        }
        assertThat(norms.get(0)).hasSize(4).allSatisfy(n -> assertThat(Double.parseDouble(n)).isFinite().isLessThan(100));
        assertThat(norms.get(1)).isEqualTo(norms.get(0));
        assertThat(norms.get(2)).isEqualTo(norms.get(0));
    }
}
