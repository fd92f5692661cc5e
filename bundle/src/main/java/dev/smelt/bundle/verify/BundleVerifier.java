package dev.smelt.bundle.verify;

import dev.smelt.bundle.archive.ArchiveFormat;
import dev.smelt.bundle.assemble.BundleLayout;
import dev.smelt.bundle.license.LicenseTexts;
import dev.smelt.bundle.manifest.Checksums;
import dev.smelt.bundle.manifest.DigestingOutputStream;
import dev.smelt.bundle.manifest.FileRecord;
import dev.smelt.bundle.manifest.Manifest;
import dev.smelt.converter.gguf.GgufReader;
import dev.smelt.core.SmeltException;
import dev.smelt.core.io.AtomicFiles;
import dev.smelt.core.safetensors.SafetensorsFile;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Checks a bundle, archive or directory, and lists every failure: required files present, MANIFEST.json and
 * SHA256SUMS readable and in agreement, no file missing from or extra to SHA256SUMS, every checksum, LICENSE the
 * unmodified Apache-2.0 text when the manifest says apache-2.0, each GGUF parses, each safetensors header is valid.
 * An archive is unpacked with {@link SafeExtractor} into a temporary directory first (a refused entry is a failure).
 */
public final class BundleVerifier {
    private BundleVerifier() {}

    /** The failures found, one line each; empty when the bundle is sound. */
    public record Report(Path bundle, int files, List<String> failures) {
        public boolean ok() {
            return failures.isEmpty();
        }
    }

    public static Report verify(Path bundle) throws IOException {
        if (Files.isDirectory(bundle)) return verifyDirectory(bundle, bundle, true);
        if (!Files.isRegularFile(bundle)) throw new SmeltException(bundle + ": no such file or directory");
        ArchiveFormat.of(bundle);
        Path scratch = Files.createTempDirectory("smelt-verify-");
        try {
            Path dir = scratch.resolve("bundle");
            try {
                SafeExtractor.extract(bundle, dir);
            } catch (SmeltException e) {
                return new Report(bundle, 0, List.of(e.getMessage()));
            }
            return verifyDirectory(bundle, dir, false);
        } finally {
            AtomicFiles.deleteRecursively(scratch);
        }
    }

    /**
     * {@code followLinks}: a directory the user points at may be a Hub snapshot, whose files are links into the
     * blob store, next to the Hub's {@code .gitattributes}; inside an archive a link is a failure, since bundles hold
     * regular files only.
     */
    private static Report verifyDirectory(Path bundle, Path dir, boolean followLinks) throws IOException {
        List<String> failures = new ArrayList<>();
        Set<String> onDisk = new TreeSet<>();
        FileVisitOption[] options = followLinks ? new FileVisitOption[] {FileVisitOption.FOLLOW_LINKS} : new FileVisitOption[0];
        try (Stream<Path> s = Files.walk(dir, options)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String rel = dir.relativize(p).toString().replace('\\', '/');
                if (followLinks && isHostingFile(rel)) continue;
                if (!followLinks && Files.isSymbolicLink(p)) failures.add(rel + ": a link; bundles hold regular files only");
                else if (Files.isRegularFile(p)) onDisk.add(rel);
            }
        }
        for (String required : BundleLayout.REQUIRED) {
            if (!onDisk.contains(required)) failures.add("missing file " + required);
        }
        Manifest manifest = null;
        Map<String, String> sums = null;
        try {
            manifest = Manifest.parse(read(dir, Manifest.FILE, onDisk));
        } catch (SmeltException e) {
            failures.add(e.getMessage());
        }
        try {
            sums = Checksums.parse(read(dir, Checksums.FILE, onDisk));
        } catch (SmeltException e) {
            failures.add(e.getMessage());
        }
        if (sums != null) {
            for (String path : sums.keySet()) {
                if (!onDisk.contains(path)) failures.add("missing file " + path + " (listed in " + Checksums.FILE + ")");
            }
            for (String path : onDisk) {
                if (path.equals(Manifest.FILE) || path.equals(Checksums.FILE)) continue;
                String want = sums.get(path);
                if (want == null) failures.add("extra file " + path + " (not in " + Checksums.FILE + ")");
                else if (!want.equals(sha256(dir.resolve(path)))) failures.add("checksum mismatch: " + path);
            }
        }
        if (manifest != null && sums != null) {
            Map<String, String> listed = new java.util.LinkedHashMap<>();
            for (FileRecord f : manifest.files()) listed.put(f.path(), f.sha256());
            if (!listed.equals(sums)) failures.add(Manifest.FILE + " and " + Checksums.FILE + " list different files or hashes");
        }
        if (manifest != null && manifest.license().equals(LicenseTexts.APACHE_2_0) && onDisk.contains(BundleLayout.LICENSE)
                && !LicenseTexts.isApache2(Files.readAllBytes(dir.resolve(BundleLayout.LICENSE)))) {
            failures.add("LICENSE is not the unmodified Apache License 2.0 text (the bundle says apache-2.0)");
        }
        for (String path : onDisk) {
            Path file = dir.resolve(path);
            if (path.endsWith(".gguf")) {
                try (GgufReader r = GgufReader.open(file)) {
                    r.tensors();
                } catch (SmeltException e) {
                    failures.add(path + ": not a valid GGUF file (" + e.getMessage() + ")");
                }
            } else if (path.endsWith(".safetensors")) {
                try (SafetensorsFile f = SafetensorsFile.open(file)) {
                    f.tensors();
                } catch (SmeltException e) {
                    failures.add(path + ": not a valid safetensors file (" + e.getMessage() + ")");
                }
            }
        }
        return new Report(bundle, onDisk.size(), List.copyOf(failures));
    }

    /** What a Hub repository or git checkout adds around a pushed bundle: not bundle content, so not extra. */
    private static boolean isHostingFile(String rel) {
        return rel.equals(".gitattributes") || rel.startsWith(".git/") || rel.startsWith(".cache/");
    }

    private static String read(Path dir, String name, Set<String> onDisk) throws IOException {
        if (!onDisk.contains(name)) throw new SmeltException("missing file " + name);
        return Files.readString(dir.resolve(name));
    }

    static String sha256(Path file) throws IOException {
        MessageDigest md = DigestingOutputStream.sha256();
        byte[] buf = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            int n;
            while ((n = in.read(buf)) > 0) md.update(buf, 0, n);
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
