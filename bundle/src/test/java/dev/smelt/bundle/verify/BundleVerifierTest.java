package dev.smelt.bundle.verify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smelt.bundle.assemble.Bundler;
import dev.smelt.bundle.assemble.Fixtures;
import dev.smelt.bundle.manifest.Checksums;
import dev.smelt.bundle.manifest.FileRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BundleVerifierTest {
    @TempDir
    static Path tmp;
    static Path archive;
    static Path extracted;
    static List<String> files;

    @BeforeAll
    static void bundle() throws IOException {
        Fixtures fx = Fixtures.create(tmp.resolve("in"));
        archive = tmp.resolve("tiny.tar.zst");
        files = Bundler.bundle(fx.request(archive)).manifest().files().stream().map(FileRecord::path).toList();
        extracted = tmp.resolve("extracted");
        SafeExtractor.extract(archive, extracted);
    }

    @ParameterizedTest
    @ValueSource(strings = {"tar.gz", "tar.zst", "zip"})
    void aFreshBundleVerifiesAsArchiveAndAsDirectory(String ext) throws IOException {
        Path out = tmp.resolve("fresh/tiny." + ext);
        Bundler.bundle(Fixtures.create(tmp.resolve("in-" + ext)).request(out));
        assertThat(BundleVerifier.verify(out).failures()).isEmpty();
        assertThat(BundleVerifier.verify(extracted).failures()).isEmpty();
    }

    @Test
    void aFlippedByteInAnyFileIsCaughtAndNamed() throws IOException {
        assertThat(files).contains("LICENSE", "NOTICE", "README.md", "gguf/tiny-1.0.0-F16.gguf",
                "model/model.safetensors", "adapter/adapter_model.safetensors", "onnx/model.onnx", "metrics/metrics.jsonl");
        List<String> all = new ArrayList<>(files);
        all.add("MANIFEST.json");
        all.add("SHA256SUMS");
        for (String f : all) {
            Path copy = copyOfBundle("flip-" + f.replace('/', '_'));
            Path file = copy.resolve(f);
            byte[] b = Files.readAllBytes(file);
            b[b.length / 2] ^= 0x01;
            Files.write(file, b);
            List<String> failures = BundleVerifier.verify(copy).failures();
            assertThat(failures).as(f).isNotEmpty();
            if (!f.equals("MANIFEST.json") && !f.equals("SHA256SUMS")) {
                assertThat(failures).as(f).anyMatch(m -> m.contains(f));
            }
        }
    }

    @Test
    void aMissingFileIsNamed() throws IOException {
        Path copy = copyOfBundle("missing");
        Files.delete(copy.resolve("onnx/model.onnx"));
        assertThat(BundleVerifier.verify(copy).failures()).contains("missing file onnx/model.onnx (listed in SHA256SUMS)");
    }

    @Test
    void anExtraFileIsNamed() throws IOException {
        Path copy = copyOfBundle("extra");
        Files.writeString(copy.resolve("gguf/evil.gguf"), "x");
        assertThat(BundleVerifier.verify(copy).failures()).anyMatch(m -> m.equals("extra file gguf/evil.gguf (not in SHA256SUMS)"));
    }

    @Test
    void anEditedLicenseIsCaughtEvenWithMatchingChecksums() throws IOException {
        Path copy = copyOfBundle("license");
        Path license = copy.resolve("LICENSE");
        Files.writeString(license, Files.readString(license).replace("irrevocable", "revocable"));
        // re-seal both lists so only the text check can object
        String sums = Files.readString(copy.resolve("SHA256SUMS"));
        String newHash = BundleVerifier.sha256(license);
        String oldHash = Checksums.parse(sums).get("LICENSE");
        Files.writeString(copy.resolve("SHA256SUMS"), sums.replace(oldHash, newHash));
        Files.writeString(copy.resolve("MANIFEST.json"), Files.readString(copy.resolve("MANIFEST.json"))
                .replace(oldHash, newHash).replace("\"size\" : 11358", "\"size\" : " + Files.size(license)));
        assertThat(BundleVerifier.verify(copy).failures())
                .containsExactly("LICENSE is not the unmodified Apache License 2.0 text (the bundle says apache-2.0)");
    }

    @Test
    void aCorruptGgufHeaderIsReportedAsSuch() throws IOException {
        Path copy = copyOfBundle("gguf");
        Path g = copy.resolve("gguf/tiny-1.0.0-F16.gguf");
        byte[] b = Files.readAllBytes(g);
        b[0] = 'X';
        Files.write(g, b);
        assertThat(BundleVerifier.verify(copy).failures())
                .anyMatch(m -> m.startsWith("gguf/tiny-1.0.0-F16.gguf: not a valid GGUF file"));
    }

    @Test
    void checksumListsAreReadStrictly() {
        assertThat(Checksums.parse("a".repeat(64) + "  x\n")).isEqualTo(Map.of("x", "a".repeat(64)));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Checksums.parse("nope\n"))
                .hasMessageContaining("SHA256SUMS line 1");
    }

    private static Path copyOfBundle(String name) throws IOException {
        Path dst = tmp.resolve("copies").resolve(name);
        try (var s = Files.walk(extracted)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Path t = dst.resolve(extracted.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(t);
                else Files.copy(p, t);
            }
        }
        return dst;
    }
}
