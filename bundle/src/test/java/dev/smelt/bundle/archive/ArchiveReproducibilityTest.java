package dev.smelt.bundle.archive;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smelt.bundle.assemble.Bundler;
import dev.smelt.bundle.assemble.Fixtures;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ArchiveReproducibilityTest {
    @TempDir
    static Path tmp;
    static Fixtures fx;

    @BeforeAll
    static void inputs() throws IOException {
        fx = Fixtures.create(tmp.resolve("in"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"tar.gz", "tar.zst", "zip"})
    void twoRunsOverTheSameInputsGiveTheSameBytes(String ext) throws Exception {
        Path a = tmp.resolve("a/tiny." + ext);
        Path b = tmp.resolve("b/tiny." + ext);
        Bundler.bundle(fx.request(a));
        Thread.sleep(1100); // a clock leaking into the bytes would show
        Bundler.bundle(fx.request(b));
        assertThat(sha256(a)).isEqualTo(sha256(b));
        assertThat(Files.size(a)).isGreaterThan(10_000);
    }

    @Test
    void zstdBytesDoNotDependOnTheWorkerCount() throws Exception {
        byte[] data = new byte[24 << 20]; // several zstd jobs' worth
        Random r = new Random(1);
        byte[] chunk = new byte[4096];
        for (int i = 0; i < data.length; i += chunk.length) {
            if ((i / chunk.length) % 3 == 0) {
                r.nextBytes(chunk);
                System.arraycopy(chunk, 0, data, i, chunk.length);
            } else {
                Arrays.fill(data, i, i + chunk.length, (byte) (i >> 12));
            }
        }
        List<String> hashes = new ArrayList<>();
        for (int workers : new int[] {1, 2, 4}) {
            Path out = tmp.resolve("w" + workers + ".tar.zst");
            try (FileChannel ch = FileChannel.open(out, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
                    ArchiveWriter w = TarFormat.ZSTD.writer(ch, Instant.EPOCH, workers, ArchiveFormat.ZSTD_MIN_SAVING)) {
                w.add(ArchiveEntry.of("data.bin", data));
            }
            hashes.add(sha256(out));
        }
        assertThat(hashes).containsOnly(hashes.get(0));
    }

    @ParameterizedTest
    @ValueSource(strings = {"tar.gz", "tar.zst", "zip"})
    void longAndNonAsciiNamesRoundTripWithTheirSizes(String ext) throws Exception {
        String longName = "model/" + "d".repeat(120) + "/weights-ü.safetensors";
        Path out = tmp.resolve("names." + ext);
        ArchiveFormat f = ArchiveFormat.of(out);
        Instant mtime = Instant.parse("2025-05-06T07:08:10Z");
        try (FileChannel ch = FileChannel.open(out, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
                ArchiveWriter w = f.writer(ch, mtime)) {
            w.add(ArchiveEntry.of("a.txt", "alpha"));
            w.add(ArchiveEntry.of(longName, new byte[70_000]));
        }
        try (ArchiveReader r = f.reader(out)) {
            ReadEntry e1 = r.next();
            assertThat(e1).isEqualTo(new ReadEntry("a.txt", ReadEntry.Kind.FILE, 5, null));
            assertThat(new String(r.content().readAllBytes())).isEqualTo("alpha");
            ReadEntry e2 = r.next();
            assertThat(e2.name()).isEqualTo(longName);
            assertThat(r.content().readAllBytes()).hasSize(70_000);
            assertThat(r.next()).isNull();
        }
    }

    static String sha256(Path p) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
    }
}
