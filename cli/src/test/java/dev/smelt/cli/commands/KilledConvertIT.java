package dev.smelt.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smelt.cli.SmeltJar;
import dev.smelt.core.model.Architecture;
import dev.smelt.core.tiny.TinyModelSpec;
import dev.smelt.core.tiny.TinyModelWriter;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code smelt convert gguf} killed with SIGKILL mid-write, three times: each run removes the temporary the previous
 * killed one left, and a fourth, complete run leaves exactly the target.
 */
class KilledConvertIT {
    @TempDir Path tmp;

    @Test
    void killedConversionsLeaveNothingOnceARunCompletes() throws Exception {
        Path model = tmp.resolve("model"); // ~80M parameters, 330 MB of F32: a conversion takes long enough to kill
        TinyModelWriter.write(TinyModelSpec.builder(Architecture.LLAMA).seed(1).hiddenSize(1024).numLayers(6).build(), model);
        Path outDir = Files.createDirectories(tmp.resolve("out"));
        Path out = outDir.resolve("m.gguf");
        List<String> convert = SmeltJar.command(List.of(), "convert", "gguf", "--model", model.toString(), "--out", out.toString(),
                "--type", "f16");

        List<String> killedTemps = new ArrayList<>();
        for (int kill = 1; kill <= 3; kill++) {
            Process p = SmeltJar.process(convert).redirectErrorStream(true).start();
            try {
                waitForLine(p.getInputStream(), "\\[\\s*3/\\d+\\] .*"); // the third tensor's data is being written
                p.destroyForcibly(); // SIGKILL: no shutdown hook runs
                assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            } finally {
                p.destroyForcibly();
            }
            List<String> left = names(outDir);
            assertThat(left).as("after kill %d: only the killed run's temporary (the earlier one was removed)", kill)
                    .hasSize(1).allMatch(n -> n.startsWith(".m.gguf.smelt-") && n.endsWith(".tmp"));
            assertThat(killedTemps).as("an earlier run's temporary").doesNotContain(left.get(0));
            killedTemps.add(left.get(0));
        }

        Process p = SmeltJar.process(convert).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
        assertThat(p.exitValue()).as(log).isZero();
        assertThat(names(outDir)).containsExactly("m.gguf");
        try (InputStream in = Files.newInputStream(out)) {
            assertThat(new String(in.readNBytes(4), StandardCharsets.US_ASCII)).isEqualTo("GGUF");
        }
    }

    /** Reads the child's output up to a line matching {@code regex}; fails if the child ends first. */
    private static void waitForLine(InputStream output, String regex) throws Exception {
        BufferedReader r = new BufferedReader(new InputStreamReader(output, StandardCharsets.UTF_8));
        StringBuilder seen = new StringBuilder();
        for (String line; (line = r.readLine()) != null; ) {
            if (line.matches(regex)) return;
            seen.append(line).append('\n');
        }
        throw new AssertionError("conversion ended before a line matching " + regex + ":\n" + seen);
    }

    private static List<String> names(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(x -> x.getFileName().toString()).sorted().toList();
        }
    }
}
