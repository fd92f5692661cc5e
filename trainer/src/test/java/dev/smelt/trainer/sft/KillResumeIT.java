package dev.smelt.trainer.sft;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smelt.trainer.TinyDense;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A training process killed with SIGKILL at random moments and restarted with --resume ends with the same
 * adapter as an uninterrupted run (CPU, fp32, dropout on).
 */
class KillResumeIT {
    @TempDir Path tmp;

    @Test
    void killedAndResumedRunEqualsUninterruptedRun() throws Exception {
        Path model = TinyDense.write(tmp.resolve("m"), "llama", 1);
        // the reference runs uninterrupted in a process of its own; its duration scales the kill times
        long t0 = System.nanoTime();
        Process ref = start(model, tmp.resolve("ref"), tmp.resolve("log-ref.txt"));
        assertThat(ref.waitFor(5, TimeUnit.MINUTES)).isTrue();
        assertThat(ref.exitValue()).as(Files.readString(tmp.resolve("log-ref.txt"))).isEqualTo(0);
        long refMillis = (System.nanoTime() - t0) / 1_000_000;

        Path out = tmp.resolve("killed");
        Random random = new Random(Long.getLong("smelt.kill.seed", System.nanoTime()));
        int kills = 0;
        int killsAfterCheckpoint = 0;
        boolean done = false;
        for (int attempt = 0; attempt < 12 && !done; attempt++) {
            Process p = start(model, out, tmp.resolve("log-" + attempt + ".txt"));
            // a few kills at random moments (the first always before the run could end), then let it finish
            if (attempt < 4) {
                long delayMs = (long) (refMillis * (attempt == 0 ? 0.2 + 0.6 * random.nextDouble() : 0.1 + 0.9 * random.nextDouble()));
                if (!p.waitFor(delayMs, TimeUnit.MILLISECONDS)) {
                    boolean hadCheckpoint = !new Checkpoints(out, 2).list().isEmpty();
                    p.destroyForcibly().waitFor();
                    kills++;
                    if (hadCheckpoint) killsAfterCheckpoint++;
                    continue;
                }
            }
            assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
            assertThat(p.exitValue()).as(Files.readString(tmp.resolve("log-" + attempt + ".txt"))).isEqualTo(0);
            done = true;
        }
        assertThat(done).isTrue();
        assertThat(kills).isGreaterThan(0);
        System.out.println("kills: " + kills + " (" + killsAfterCheckpoint + " after a checkpoint existed)");
        double diff = SftTrainerTest.maxAbsDiff(tmp.resolve("ref"), out);
        if (diff >= 1e-5) {
            System.out.println(Files.readString(tmp.resolve("ref").resolve(MetricsLog.FILE)));
            System.out.println(Files.readString(out.resolve(MetricsLog.FILE)));
        }
        assertThat(diff).isLessThan(1e-5);
        // metrics of the resumed run cover each step once
        List<Integer> steps = new ArrayList<>();
        for (MetricsLog.Entry e : MetricsLog.read(out.resolve(MetricsLog.FILE))) if (e.loss() != null) steps.add(e.step());
        assertThat(steps).hasSize(KillResumeMain.STEPS).doesNotHaveDuplicates();
    }

    private static Process start(Path model, Path out, Path log) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = List.of(java, "-Xmx1g", "-Dai.djl.offline=true", "-Dai.djl.pytorch.num_interop_threads=1",
                "-cp", System.getProperty("java.class.path"), KillResumeMain.class.getName(), model.toString(), out.toString());
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }
}
