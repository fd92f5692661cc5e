package dev.smelt.hub.internal.download;

import dev.smelt.core.io.AtomicFiles;
import dev.smelt.hub.RepoFile;
import dev.smelt.hub.internal.RepoPaths;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * A plain download folder with huggingface_hub's bookkeeping under {@code .cache/huggingface/download/}:
 * {@code {path}.metadata} (commit, etag, timestamp), {@code {path}.lock} and {@code {path}.{etag}.incomplete}.
 */
final class LocalDir {
    private final Path root;
    private final Path meta;

    LocalDir(Path root) {
        this.root = root;
        this.meta = root.resolve(".cache").resolve("huggingface");
    }

    Path file(String path) {
        return root.resolve(RepoPaths.requireSafe(path, "the file list"));
    }

    Path metadata(String path) {
        return meta.resolve("download").resolve(RepoPaths.requireSafe(path, "the file list") + ".metadata");
    }

    Path lock(String path) {
        return meta.resolve("download").resolve(path + ".lock");
    }

    Path incomplete(String path, String etag) {
        return meta.resolve("download").resolve(path + "." + etag + ".incomplete");
    }

    /** True when the local file is known to be this version, so no download is needed. */
    boolean upToDate(RepoFile f, String commit) throws IOException {
        Path file = file(f.path());
        if (!Files.isRegularFile(file)) return false;
        Path m = metadata(f.path());
        if (Files.isRegularFile(m)) {
            List<String> lines = Files.readAllLines(m, StandardCharsets.UTF_8);
            if (lines.size() >= 3) {
                try {
                    double ts = Double.parseDouble(lines.get(2).strip());
                    double mtime = Files.getLastModifiedTime(file).toMillis() / 1000.0;
                    boolean fresh = mtime - 1 <= ts;
                    if (fresh && lines.get(0).strip().equals(commit)) return true;
                    if (fresh && f.etag() != null && lines.get(1).strip().equals(f.etag())) {
                        writeMetadata(f.path(), commit, f.etag());
                        return true;
                    }
                } catch (NumberFormatException ignored) {
                    // corrupt metadata: fall through and re-check the content
                }
            }
        }
        if (f.isLfs() && Files.size(file) == f.size() && sha256(file).equals(f.lfsSha256())) {
            writeMetadata(f.path(), commit, f.etag());
            return true;
        }
        return false;
    }

    void writeMetadata(String path, String commit, String etag) throws IOException {
        ensureGitignore();
        AtomicFiles.writeString(metadata(path), commit + "\n" + etag + "\n" + (System.currentTimeMillis() / 1000.0) + "\n");
    }

    private void ensureGitignore() throws IOException {
        Path gi = meta.resolve(".gitignore");
        if (!Files.exists(gi)) AtomicFiles.writeString(gi, "*");
    }

    private static String sha256(Path file) throws IOException {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 20];
            try (InputStream in = Files.newInputStream(file)) {
                for (int n; (n = in.read(buf)) > 0; ) d.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(d.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
