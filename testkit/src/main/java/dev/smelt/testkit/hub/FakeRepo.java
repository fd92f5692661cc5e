package dev.smelt.testkit.hub;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A repository served by {@link FakeHub}: branches pointing at commits, each commit a tree of files whose
 * bytes live on disk. Files at or above the LFS threshold are served as LFS objects (302 to the CDN port,
 * {@code X-Linked-Etag} = sha256); smaller ones inline with their git blob sha1 as ETag.
 */
public final class FakeRepo {
    /** A file in a commit: where its bytes are, and the hashes the Hub would report. */
    public record Entry(String path, Path data, long size, String sha256, String gitSha1, boolean lfs) {
        /** The git sha1 of the blob git stores for this path: the file itself, or its LFS pointer. */
        public String blobId() {
            return lfs ? gitBlobSha1(pointerText().getBytes(StandardCharsets.UTF_8)) : gitSha1;
        }

        String pointerText() {
            return "version https://git-lfs.github.com/spec/v1\noid sha256:" + sha256 + "\nsize " + size + "\n";
        }
    }

    final RepoKind type;
    final String id;
    final Map<String, String> branches = new ConcurrentHashMap<>();
    final Map<String, Map<String, Entry>> commits = new ConcurrentHashMap<>();
    volatile long lfsThreshold = 10L * 1024 * 1024;
    volatile boolean gated;
    volatile boolean privateRepo;

    FakeRepo(RepoKind type, String id) {
        this.type = type;
        this.id = id;
    }

    public String id() {
        return id;
    }

    public FakeRepo lfsThreshold(long bytes) {
        this.lfsThreshold = bytes;
        return this;
    }

    public FakeRepo gated(boolean g) {
        this.gated = g;
        return this;
    }

    public FakeRepo privateRepo(boolean p) {
        this.privateRepo = p;
        return this;
    }

    /** Makes {@code branch} point at a new commit holding exactly {@code files} (repo path → file on disk). */
    public synchronized String commit(String branch, Map<String, Path> files) throws IOException {
        Map<String, Entry> tree = new TreeMap<>();
        for (Map.Entry<String, Path> e : files.entrySet()) tree.put(e.getKey(), entry(e.getKey(), e.getValue(), null));
        return commitTree(branch, tree, "test commit");
    }

    /** The same, with file contents given as bytes (written under {@code dir}). */
    public String commitBytes(String branch, Map<String, byte[]> files, Path dir) throws IOException {
        Map<String, Path> paths = new LinkedHashMap<>();
        int i = 0;
        for (Map.Entry<String, byte[]> e : files.entrySet()) {
            Path p = dir.resolve("obj-" + System.nanoTime() + "-" + (i++));
            Files.createDirectories(dir);
            Files.write(p, e.getValue());
            paths.put(e.getKey(), p);
        }
        return commit(branch, paths);
    }

    synchronized String commitTree(String branch, Map<String, Entry> tree, String message) {
        StringBuilder sb = new StringBuilder(message).append('\n').append(branches.getOrDefault(branch, "")).append('\n');
        tree.values().forEach(e -> sb.append(e.path()).append(' ').append(e.sha256()).append('\n'));
        sb.append(System.nanoTime());
        String sha = gitBlobSha1(sb.toString().getBytes(StandardCharsets.UTF_8));
        commits.put(sha, new TreeMap<>(tree));
        branches.put(branch, sha);
        return sha;
    }

    Entry entry(String path, Path data, Boolean forceLfs) throws IOException {
        long size = Files.size(data);
        String[] h = hashes(data, size);
        boolean lfs = forceLfs != null ? forceLfs : size >= lfsThreshold;
        return new Entry(path, data, size, h[0], h[1], lfs);
    }

    /** Resolves a branch name or commit sha; null if unknown. */
    String resolve(String revision) {
        if (commits.containsKey(revision)) return revision;
        return branches.get(revision);
    }

    List<Entry> files(String commit) {
        return new ArrayList<>(commits.get(commit).values());
    }

    static String[] hashes(Path data, long size) throws IOException {
        try {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
            sha1.update(("blob " + size + "\0").getBytes(StandardCharsets.US_ASCII));
            byte[] buf = new byte[1 << 20];
            try (InputStream in = Files.newInputStream(data)) {
                for (int n; (n = in.read(buf)) > 0; ) {
                    sha256.update(buf, 0, n);
                    sha1.update(buf, 0, n);
                }
            }
            return new String[] {HexFormat.of().formatHex(sha256.digest()), HexFormat.of().formatHex(sha1.digest())};
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String gitBlobSha1(byte[] content) {
        try {
            MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
            sha1.update(("blob " + content.length + "\0").getBytes(StandardCharsets.US_ASCII));
            return HexFormat.of().formatHex(sha1.digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
