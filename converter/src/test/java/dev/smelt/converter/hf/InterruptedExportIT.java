package dev.smelt.converter.hf;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smelt.core.safetensors.DType;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Stopping a conversion (SIGTERM/SIGINT run the JVM's shutdown hooks) leaves neither the output nor a temp file. */
class InterruptedExportIT {
    @TempDir Path tmp;

    @Test
    void stoppedExportLeavesNothingBehind() throws Exception {
        Path model = TinyHfModels.write(tmp.resolve("model"), "qwen3", DType.F32, 3);
        Path outDir = Files.createDirectories(tmp.resolve("out"));
        Path out = outDir.resolve("m.gguf");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                SlowExportMain.class.getName(), model.toString(), out.toString()).redirectErrorStream(true).start();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null && !line.equals("writing")) {
                // wait until tensor data is being written
            }
            assertThat(line).as("child reached the data section").isEqualTo("writing");
            try (var s = Files.list(outDir)) {
                assertThat(s.map(x -> x.getFileName().toString()).toList()).as("temp file exists mid-write")
                        .anyMatch(n -> n.startsWith(".m.gguf.") && n.endsWith(".tmp"));
            }
            p.destroy(); // SIGTERM: same shutdown path as Ctrl-C
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        } finally {
            p.destroyForcibly();
        }
        try (var s = Files.list(outDir)) {
            List<String> left = s.map(x -> x.getFileName().toString()).toList();
            assertThat(left).as("files left after the stop").isEmpty();
        }
    }
}
