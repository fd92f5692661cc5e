package dev.smelt.hub.internal.cache;

import dev.smelt.core.SmeltException;
import dev.smelt.core.io.AtomicFiles;
import dev.smelt.hub.RepoId;
import dev.smelt.hub.internal.RepoPaths;
import dev.smelt.hub.RepoType;
import dev.smelt.hub.Revisions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One repository's folder in the huggingface_hub cache:
 * <pre>
 * {cache}/models--org--name/blobs/{etag}                 file bodies, named by etag (git sha1 or LFS sha256)
 * {cache}/models--org--name/blobs/{etag}.incomplete      a download in progress (resumable)
 * {cache}/models--org--name/refs/{revision}              the commit sha a branch/tag pointed to
 * {cache}/models--org--name/snapshots/{commit}/{path}    relative symlink to ../../blobs/{etag}
 * {cache}/models--org--name/.no_exist/{commit}/{path}    empty marker: the file does not exist at that commit
 * {cache}/.locks/models--org--name/{etag}.lock           lock held while a blob is downloaded
 * </pre>
 * Nothing is ever written under snapshots/ except a symlink to a complete, verified blob.
 */
public final class RepoCache {
    private final Path cacheRoot;
    private final Path folder;
    private final String folderName;

    public RepoCache(Path cacheRoot, RepoType type, RepoId repo) {
        this.cacheRoot = cacheRoot;
        this.folderName = repo.cacheFolderName(type);
        this.folder = cacheRoot.resolve(folderName);
    }

    public Path folder() {
        return folder;
    }

    public Path blob(String etag) {
        return folder.resolve("blobs").resolve(requireEtag(etag));
    }

    public Path incomplete(String etag) {
        return folder.resolve("blobs").resolve(requireEtag(etag) + ".incomplete");
    }

    public Path lock(String etag) {
        return cacheRoot.resolve(".locks").resolve(folderName).resolve(requireEtag(etag) + ".lock");
    }

    public Path snapshot(String commit) {
        return folder.resolve("snapshots").resolve(requireCommit(commit));
    }

    public Path pointer(String commit, String repoPath) {
        return resolveInside(snapshot(commit), repoPath);
    }

    public Path noExist(String commit, String repoPath) {
        return resolveInside(folder.resolve(".no_exist").resolve(requireCommit(commit)), repoPath);
    }

    public Path ref(String revision) {
        if (!RepoPaths.isSafe(revision)) throw new SmeltException("invalid revision name '" + revision + "'");
        return resolveInside(folder.resolve("refs"), revision);
    }

    /** The commit a revision resolves to without the network: itself if it is a commit sha, else refs/. */
    public Optional<String> resolveLocally(String revision) throws IOException {
        if (Revisions.isCommitHash(revision)) return Optional.of(revision);
        Path ref = ref(revision);
        if (!Files.isRegularFile(ref)) return Optional.empty();
        String sha = Files.readString(ref, StandardCharsets.UTF_8).strip();
        if (!Revisions.isCommitHash(sha)) {
            throw new SmeltException("cache ref " + ref + " holds '" + sha + "': expected a 40-hex commit sha");
        }
        return Optional.of(sha);
    }

    /** Records that {@code revision} points at {@code commit}; rewritten only when it changed. */
    public void writeRef(String revision, String commit) throws IOException {
        if (revision.equals(commit)) return;
        Path ref = ref(revision);
        if (Files.isRegularFile(ref) && Files.readString(ref, StandardCharsets.UTF_8).equals(commit)) return;
        AtomicFiles.writeString(ref, commit);
    }

    /**
     * Points snapshots/{commit}/{path} at blobs/{etag} with a relative symlink (as huggingface_hub's
     * {@code _create_symlink}); replaces a stale entry atomically.
     */
    public Path link(String commit, String repoPath, String etag) throws IOException {
        Path pointer = pointer(commit, repoPath);
        Path blob = blob(etag);
        Files.createDirectories(pointer.getParent());
        Path target = pointer.getParent().relativize(blob);
        if (Files.isSymbolicLink(pointer) && Files.readSymbolicLink(pointer).equals(target)) return pointer;
        Path tmp = pointer.resolveSibling("." + pointer.getFileName() + "." + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
        try {
            Files.createSymbolicLink(tmp, target);
        } catch (FileAlreadyExistsException e) {
            Files.delete(tmp);
            Files.createSymbolicLink(tmp, target);
        }
        try {
            Files.move(tmp, pointer, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, pointer, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
        return pointer;
    }

    /** True when the snapshot entry exists and its blob is present (a dangling link does not count). */
    public boolean hasFile(String commit, String repoPath) {
        return Files.exists(pointer(commit, repoPath));
    }

    public boolean hasBlob(String etag) {
        return Files.isRegularFile(blob(etag), LinkOption.NOFOLLOW_LINKS);
    }

    private static Path resolveInside(Path base, String repoPath) {
        RepoPaths.requireSafe(repoPath, "the cache");
        return base.resolve(repoPath);
    }

    private static String requireCommit(String commit) {
        if (!Revisions.isCommitHash(commit)) {
            throw new SmeltException("server returned '" + commit + "' as commit sha: expected 40 lowercase hex digits");
        }
        return commit;
    }

    static String requireEtag(String etag) {
        if (etag == null || etag.isEmpty() || !etag.matches("[A-Za-z0-9._-]+") || etag.startsWith(".")) {
            throw new SmeltException("server returned an unusable ETag '" + etag + "': expected a hash");
        }
        return etag;
    }

    /** huggingface_hub's {@code _normalize_etag}: drops a weak-validator prefix and the quotes. */
    public static String normalizeEtag(String etag) {
        if (etag == null) return null;
        String e = etag.strip();
        if (e.startsWith("W/")) e = e.substring(2);
        if (e.length() >= 2 && e.startsWith("\"") && e.endsWith("\"")) e = e.substring(1, e.length() - 1);
        return e;
    }
}
