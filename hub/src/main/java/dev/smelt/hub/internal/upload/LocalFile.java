package dev.smelt.hub.internal.upload;

import dev.smelt.core.SmeltException;
import dev.smelt.hub.internal.RepoPaths;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * A file to upload: its path in the repo, size, sha256 (the LFS oid), git blob sha1 (the regular-file oid)
 * and its first 512 bytes (the sample the preupload API uses to guess text vs binary).
 */
record LocalFile(Path source, String pathInRepo, long size, String sha256, String gitSha1, byte[] sample) {
    static final int SAMPLE_BYTES = 512;

    /** The files under {@code folder}, skipping {@code .git/} and huggingface_hub's {@code .cache/huggingface/}. */
    static List<Path> scan(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) throw new SmeltException(folder + " is not a directory");
        List<Path> out = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(folder, FileVisitOption.FOLLOW_LINKS)) {
            walk.filter(Files::isRegularFile).forEach(p -> {
                String rel = relative(folder, p);
                if (rel.equals(".git") || rel.startsWith(".git/") || rel.startsWith(".cache/huggingface/")) return;
                out.add(p);
            });
        }
        out.sort(null);
        return out;
    }

    static String relative(Path folder, Path p) {
        List<String> parts = new ArrayList<>();
        for (Path seg : folder.relativize(p)) parts.add(seg.toString());
        return String.join("/", parts);
    }

    static LocalFile hash(Path folder, Path p) throws IOException {
        String rel = RepoPaths.requireSafe(relative(folder, p), folder.toString());
        try {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
            long size = Files.size(p);
            sha1.update(("blob " + size + "\0").getBytes(StandardCharsets.US_ASCII));
            byte[] buf = new byte[1 << 20];
            byte[] sample = null;
            long total = 0;
            try (InputStream in = Files.newInputStream(p)) {
                for (int n; (n = in.read(buf)) > 0; ) {
                    if (sample == null) sample = Arrays.copyOf(buf, Math.min(n, SAMPLE_BYTES));
                    sha256.update(buf, 0, n);
                    sha1.update(buf, 0, n);
                    total += n;
                }
            }
            if (total != size) throw new SmeltException(p + " changed size while it was read; push again");
            return new LocalFile(p, rel, size, HexFormat.of().formatHex(sha256.digest()),
                    HexFormat.of().formatHex(sha1.digest()), sample == null ? new byte[0] : sample);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
