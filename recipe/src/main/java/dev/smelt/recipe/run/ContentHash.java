package dev.smelt.recipe.run;

import dev.smelt.core.SmeltException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/** SHA-256 of strings and of files' contents: the cache keys of steps and of local inputs. */
final class ContentHash {
    private ContentHash() {}

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String of(String text) {
        return HexFormat.of().formatHex(sha256().digest(text.getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * A file's bytes, or a directory's files (relative names and bytes, in name order; hidden files skipped); a path
     * that does not exist is hashed as its name (hf:// sources, globs: their text is their identity).
     */
    static String ofPath(Path p) {
        MessageDigest md = sha256();
        try {
            if (Files.isRegularFile(p)) {
                update(md, p);
            } else if (Files.isDirectory(p)) {
                List<Path> files;
                try (Stream<Path> s = Files.walk(p)) {
                    files = s.filter(Files::isRegularFile)
                            .filter(f -> p.relativize(f).toString().chars().noneMatch(c -> c == '\0'))
                            .filter(f -> !p.relativize(f).toString().startsWith(".")).sorted().toList();
                }
                for (Path f : files) {
                    md.update(p.relativize(f).toString().replace('\\', '/').getBytes(StandardCharsets.UTF_8));
                    md.update((byte) 0);
                    update(md, f);
                }
            } else {
                md.update(p.toString().getBytes(StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new SmeltException(p + ": cannot read to hash it: " + e.getMessage(), e);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static void update(MessageDigest md, Path f) throws IOException {
        byte[] buf = new byte[1 << 20];
        try (InputStream in = Files.newInputStream(f)) {
            for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        md.update((byte) 0);
    }
}
