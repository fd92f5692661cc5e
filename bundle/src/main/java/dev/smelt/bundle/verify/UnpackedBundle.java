package dev.smelt.bundle.verify;

import dev.smelt.bundle.manifest.Manifest;
import dev.smelt.core.SmeltException;
import dev.smelt.core.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A bundle archive unpacked into a temporary directory and verified, for handing its contents to something that
 * takes a folder (an upload). The directory is removed on close.
 */
public final class UnpackedBundle implements AutoCloseable {
    private final Path scratch;
    private final Path dir;
    private final Manifest manifest;

    private UnpackedBundle(Path scratch, Path dir, Manifest manifest) {
        this.scratch = scratch;
        this.dir = dir;
        this.manifest = manifest;
    }

    /** Unpacks and verifies {@code archive}; a bundle that fails verification is refused naming its first failure. */
    public static UnpackedBundle open(Path archive) throws IOException {
        Path scratch = Files.createTempDirectory("smelt-bundle-");
        try {
            Path dir = scratch.resolve("bundle");
            SafeExtractor.extract(archive, dir);
            BundleVerifier.Report report = BundleVerifier.verify(dir);
            if (!report.ok()) {
                throw new SmeltException(archive + ": not a sound bundle: " + report.failures().get(0)
                        + (report.failures().size() > 1 ? " (and " + (report.failures().size() - 1) + " more; run smelt bundle verify)" : ""));
            }
            Manifest manifest = Manifest.parse(Files.readString(dir.resolve(Manifest.FILE)));
            return new UnpackedBundle(scratch, dir, manifest);
        } catch (IOException | RuntimeException e) {
            AtomicFiles.deleteRecursively(scratch);
            throw e;
        }
    }

    public Path dir() {
        return dir;
    }

    public Manifest manifest() {
        return manifest;
    }

    @Override
    public void close() {
        AtomicFiles.deleteRecursively(scratch);
    }
}
