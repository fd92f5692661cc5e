package dev.smelt.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smelt.bundle.archive.ArchiveEntry;
import dev.smelt.bundle.archive.ArchiveFormat;
import dev.smelt.bundle.archive.ArchiveWriter;
import dev.smelt.cli.Smelt;
import dev.smelt.converter.gguf.GgufReader;
import dev.smelt.converter.gguf.vocab.GgufKeys.General;
import dev.smelt.testkit.cli.CliRunner.Result;
import dev.smelt.testkit.cli.CliRunner;
import dev.smelt.testkit.hub.FakeHub;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BundleCommandTest {
    private static final CliRunner SMELT = new CliRunner(Smelt::run);

    @TempDir
    Path tmp;

    private Path tinyWithGguf() {
        Path model = tmp.resolve("model");
        assertThat(SMELT.run("-q", "create-tiny", "--arch", "qwen3", "--out", model.toString()).code()).isZero();
        Result c = SMELT.run("-q", "convert", "gguf", "--model", model.toString(), "--out",
                tmp.resolve("m.gguf").toString(), "--type", "Q8_0");
        assertThat(c.code()).as(c.err()).isZero();
        return model;
    }

    @Test
    void bundlesVerifiesAndExtracts() throws Exception {
        Path model = tinyWithGguf();
        Path out = tmp.resolve("rel.tar.zst");
        Result r = SMELT.run("bundle", "--model", model.toString(), "--gguf", tmp.resolve("m.gguf").toString(),
                "--name", "tiny-chat", "--version", "0.2", "--out", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out().strip()).isEqualTo(out.toAbsolutePath().toString());
        assertThat(r.err()).contains("licence apache-2.0");

        Result v = SMELT.run("bundle", "verify", out.toString());
        assertThat(v.code()).as(v.err()).isZero();
        assertThat(v.out()).contains(": ok (");

        Path dir = tmp.resolve("x");
        assertThat(SMELT.run("bundle", "extract", out.toString(), "--out", dir.toString()).code()).isZero();
        try (GgufReader g = GgufReader.open(dir.resolve("gguf/tiny-chat-0.2-Q8_0.gguf"))) {
            assertThat(g.string(General.LICENSE)).contains("apache-2.0");
        }
        Files.writeString(dir.resolve("NOTICE"), "edited");
        Files.writeString(dir.resolve("stray.txt"), "x");
        Result bad = SMELT.run("bundle", "verify", dir.toString());
        assertThat(bad.code()).isEqualTo(1);
        assertThat(bad.err().lines()).contains("smelt: error: " + dir + ": checksum mismatch: NOTICE",
                "smelt: error: " + dir + ": extra file stray.txt (not in SHA256SUMS)");
    }

    @Test
    void zstdMinSavingZeroCompressesTheWeightsAndOutOfRangeIsRefused() throws Exception {
        Path model = tinyWithGguf();
        byte[] weights = new byte[12 << 20]; // fp16-like: random sign and mantissa, few exponents (saves ~7 %)
        java.util.Random rnd = new java.util.Random(9);
        for (int i = 0; i < weights.length; i += 2) {
            int h = (rnd.nextInt(2) << 15) | ((9 + rnd.nextInt(6)) << 10) | rnd.nextInt(1024);
            weights[i] = (byte) h;
            weights[i + 1] = (byte) (h >> 8);
        }
        Files.write(model.resolve("extra.bin"), weights);
        Path stored = tmp.resolve("stored.tar.zst");
        Path compressed = tmp.resolve("compressed.tar.zst");
        String[] common = {"-q", "bundle", "--model", model.toString(), "--name", "t", "--version", "1"};
        assertThat(SMELT.run(concat(common, new String[] {"--out", stored.toString()})).code()).isZero();
        Result all = SMELT.run(concat(common, new String[] {"--out", compressed.toString(), "--zstd-min-saving", "0"}));
        assertThat(all.code()).as(all.err()).isZero();
        assertThat(Files.size(compressed)).isLessThan(Files.size(stored) - weights.length / 25);
        assertThat(SMELT.run("bundle", "verify", compressed.toString()).code()).isZero();

        Result bad = SMELT.run(concat(common, new String[] {"--out", tmp.resolve("bad.tar.zst").toString(), "--zstd-min-saving", "1.5"}));
        assertThat(bad.code()).isEqualTo(1);
        assertThat(bad.err()).startsWith("smelt: error: zstd min saving").contains("1.5").hasLineCount(1);
        assertThat(tmp.resolve("bad.tar.zst")).doesNotExist();
    }

    @Test
    void aLlama3BaseIsRefusedUnlessLicenseNamesTheBundlesLicence() throws Exception {
        Path model = tinyWithGguf();
        Files.writeString(model.resolve("README.md"), "---\nlicense: llama3\n---\n# base\n");
        Path out = tmp.resolve("rel.zip");
        Result r = SMELT.run("bundle", "--model", model.toString(), "--name", "t", "--version", "1",
                "--out", out.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).startsWith("smelt: error: base model licence 'llama3'").hasLineCount(1);
        assertThat(out).doesNotExist();

        Files.writeString(model.resolve("LICENSE"), "META LLAMA 3 COMMUNITY LICENSE AGREEMENT\n");
        Result ok = SMELT.run("bundle", "--model", model.toString(), "--gguf", tmp.resolve("m.gguf").toString(),
                "--name", "t", "--version", "1", "--out", out.toString(), "--license", "llama3");
        assertThat(ok.code()).as(ok.err()).isZero();
        Path dir = tmp.resolve("x");
        assertThat(SMELT.run("bundle", "extract", out.toString(), "--out", dir.toString()).code()).isZero();
        assertThat(Files.readString(dir.resolve("LICENSE"))).startsWith("META LLAMA 3");
        try (GgufReader g = GgufReader.open(dir.resolve("gguf/t-1-Q8_0.gguf"))) {
            assertThat(g.string(General.LICENSE)).contains("llama3");
        }
        assertThat(SMELT.run("bundle", "verify", out.toString()).code()).isZero();
    }

    @Test
    void pushOfABundleUploadsItsContentsWithTheCardAsReadme() throws Exception {
        Path model = tinyWithGguf();
        Path out = tmp.resolve("rel.tar.gz");
        assertThat(SMELT.run("-q", "bundle", "--model", model.toString(), "--gguf", tmp.resolve("m.gguf").toString(),
                "--name", "tiny", "--version", "3", "--out", out.toString()).code()).isZero();
        try (FakeHub hub = FakeHub.start(tmp.resolve("server"))) {
            hub.acceptToken("hf_t");
            String[] common = {"--endpoint", hub.endpoint().toString(), "--token", "hf_t", "--cache-dir", tmp.resolve("cache").toString()};
            Result push = SMELT.run(concat(new String[] {"-q", "push", out.toString(), "me/tiny", "--create"}, common));
            assertThat(push.code()).as(push.err()).isZero();
            Result pull = SMELT.run(concat(new String[] {"-q", "pull", "me/tiny@main"}, common));
            assertThat(pull.code()).as(pull.err()).isZero();
            Path snap = Path.of(pull.out().strip().lines().reduce((a, b) -> b).orElseThrow());
            Path local = tmp.resolve("local");
            assertThat(SMELT.run("bundle", "extract", out.toString(), "--out", local.toString()).code()).isZero();
            assertThat(Files.readString(snap.resolve("README.md"))).isEqualTo(Files.readString(local.resolve("README.md")))
                    .startsWith("---\nlicense: \"apache-2.0\"");
            assertThat(Files.mismatch(snap.resolve("gguf/tiny-3-Q8_0.gguf"), local.resolve("gguf/tiny-3-Q8_0.gguf"))).isEqualTo(-1);
            Result verified = SMELT.run("bundle", "verify", snap.toString());
            assertThat(verified.code()).as(verified.err()).isZero();

            // a tampered bundle (NOTICE edited, re-archived) is not uploaded
            Files.writeString(local.resolve("NOTICE"), "edited");
            Path bad = tmp.resolve("bad.zip");
            try (FileChannel ch = FileChannel.open(bad, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                    ArchiveWriter w = ArchiveFormat.ZIP.writer(ch, Instant.EPOCH);
                    Stream<Path> files = Files.walk(local)) {
                for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                    w.add(ArchiveEntry.copyOf(local.relativize(f).toString(), f));
                }
            }
            Result refused = SMELT.run(concat(new String[] {"-q", "push", bad.toString(), "me/bad", "--create"}, common));
            assertThat(refused.code()).isEqualTo(1);
            assertThat(refused.err()).contains("not a sound bundle");
        }
    }

    private static String[] concat(String[] a, String[] b) {
        return java.util.stream.Stream.concat(java.util.Arrays.stream(a), java.util.Arrays.stream(b)).toArray(String[]::new);
    }

    @Test
    void benchBundlePrintsEachFormatBesideTheRawCopy() {
        Result r = SMELT.run("bench", "bundle", "--size", "4MiB", "--files", "2", "--runs", "1", "--settle", "0", "--dir", tmp.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).containsPattern("raw copy +\\d+ MB/s \\(best \\d+\\)  \\(streamed through a 1 MiB buffer and the page cache")
                .containsPattern("raw copy +\\d+ MB/s \\(best \\d+\\)  \\(in-kernel transferTo")
                .containsPattern("tar.gz +\\d+ MB/s \\(best \\d+\\)  ratio \\d+\\.\\d\\d, best to best copy \\d+\\.\\d\\d")
                .containsPattern("tar.zst +\\d+ MB/s \\(best \\d+\\)  ratio \\d+\\.\\d\\d")
                .containsPattern("zip +\\d+ MB/s \\(best \\d+\\)  ratio \\d+\\.\\d\\d");
        // exactly one copy is the base (the fastest), the others print their ratio to it
        assertThat(r.out().split("the fastest copy: the ratios' base", -1)).hasSize(2);
        assertThat(r.out().lines().filter(l -> l.startsWith("raw copy") && l.matches(".*, ratio \\d+\\.\\d\\d\\)$")))
                .hasSize((int) r.out().lines().filter(l -> l.startsWith("raw copy")).count() - 1);
        assertThat(r.err()).containsPattern("run 1/1: copy \\d+ MB/s \\(\\d+\\.\\d CPU-s\\)");
    }

    @Test
    void benchBundleTimesOnlyTheFormatsAsked() {
        Result r = SMELT.run("bench", "bundle", "--size", "2MiB", "--files", "1", "--runs", "1", "--settle", "0", "--formats", "tar.zst",
                "--dir", tmp.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).containsPattern("tar.zst +\\d+ MB/s \\(best \\d+\\)  ratio").doesNotContain("tar.gz").doesNotContain("zip");
        Result bad = SMELT.run("bench", "bundle", "--formats", "rar", "--dir", tmp.toString());
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("--formats: unknown format 'rar'");
    }

    /** The ONNX export, stamped while bundled, still loads in onnxruntime, which reports the appended metadata_props. */
    @Test
    void anExportedOnnxModelCarriesTheLicenceInOnnxruntime() throws Exception {
        Path model = tinyWithGguf();
        Path onnx = tmp.resolve("onnx");
        Result c = SMELT.run("-q", "convert", "onnx", "--model", model.toString(), "--out", onnx.toString());
        assertThat(c.code()).as(c.err()).isZero();
        Path out = tmp.resolve("rel.zip");
        Result r = SMELT.run("-q", "bundle", "--model", model.toString(), "--onnx", onnx.toString(), "--name", "t",
                "--version", "1", "--out", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        Path dir = tmp.resolve("x");
        assertThat(SMELT.run("bundle", "extract", out.toString(), "--out", dir.toString()).code()).isZero();
        Path stamped;
        try (Stream<Path> s = Files.walk(dir.resolve("onnx"))) {
            stamped = s.filter(p -> p.toString().endsWith(".onnx")).findFirst().orElseThrow();
        }
        try (ai.onnxruntime.OrtEnvironment env = ai.onnxruntime.OrtEnvironment.getEnvironment();
                ai.onnxruntime.OrtSession session = env.createSession(stamped.toString(), new ai.onnxruntime.OrtSession.SessionOptions())) {
            assertThat(session.getMetadata().getCustomMetadata()).containsEntry("license", "apache-2.0")
                    .containsEntry("license_name", "Apache License 2.0").containsKey("smelt_version");
        }
    }

    @Test
    void missingNameIsAUsageError() {
        Result r = SMELT.run("bundle", "--out", tmp.resolve("a.zip").toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--name").contains("--version");
    }
}
