package dev.smelt.bundle.archive;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.luben.zstd.ZstdInputStream;
import dev.smelt.testkit.interop.InteropTool;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tar.zst whose weights went into stored frames and whose text was compressed reads back with the reference zstd
 * and tar command-line tools: {@code zstd -t} passes, {@code zstd -d} gives the tar our own reader sees, and tar lists
 * and extracts the entries.
 */
class ZstdCliInteropIT {
    @RegisterExtension
    static final InteropTool<Path> ZSTD = InteropTool.of("zstd command-line tool", () -> {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path p = Path.of(dir, "zstd");
            if (!dir.isEmpty() && Files.isExecutable(p)) return p;
        }
        throw new InteropTool.Missing("zstd is not on PATH (Debian package zstd)");
    });

    @TempDir
    Path tmp;

    @Test
    void storedAndCompressedFramesReadBackWithZstdAndTar() throws Exception {
        byte[] weights = AdaptiveZstdStreamTest.mixed();
        String card = "# card\n" + "intended use: tests\n".repeat(500);
        Path weightsFile = Files.write(tmp.resolve("weights.bin"), weights); // read by the archive stream itself
        Path archive = tmp.resolve("b.tar.zst");
        try (FileChannel ch = FileChannel.open(archive, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                ArchiveWriter w = TarFormat.ZSTD.writer(ch, Instant.parse("2025-01-02T03:04:05Z"), 2, ArchiveFormat.ZSTD_MIN_SAVING)) {
            w.add(ArchiveEntry.of("README.md", card));
            w.add(ArchiveEntry.of("model/model.safetensors", weights));
            w.add(ArchiveEntry.copyOf("model/model-file.safetensors", weightsFile));
        }
        assertThat(AdaptiveZstdStreamTest.rawFrames(Files.readAllBytes(archive))).isGreaterThanOrEqualTo(1);

        run(ZSTD.get().toString(), "-q", "-t", archive.toString());
        Path tar = tmp.resolve("b.tar");
        run(ZSTD.get().toString(), "-q", "-d", archive.toString(), "-o", tar.toString());
        try (InputStream in = new ZstdInputStream(Files.newInputStream(archive))) {
            assertThat(Files.readAllBytes(tar)).isEqualTo(in.readAllBytes());
        }
        Path out = Files.createDirectories(tmp.resolve("x"));
        run("tar", "-x", "-f", tar.toString(), "-C", out.toString());
        assertThat(Files.readString(out.resolve("README.md"), StandardCharsets.UTF_8)).isEqualTo(card);
        assertThat(Files.readAllBytes(out.resolve("model/model.safetensors"))).isEqualTo(weights);
        assertThat(Files.readAllBytes(out.resolve("model/model-file.safetensors"))).isEqualTo(weights);
    }

    private void run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(List.of(command)).redirectErrorStream(true).redirectOutput(tmp.resolve("log").toFile()).start();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("%s finished", command[0]).isTrue();
        assertThat(p.exitValue()).as("%s exit status; output: %s", String.join(" ", command), Files.readString(tmp.resolve("log"))).isZero();
    }
}
