package dev.smelt.hub.internal.download;

import dev.smelt.core.SmeltException;
import dev.smelt.hub.DiskSpace;
import dev.smelt.hub.HubHttpException;
import dev.smelt.hub.PathFilter;
import dev.smelt.hub.ProgressPrinter;
import dev.smelt.hub.RepoFile;
import dev.smelt.hub.RepoId;
import dev.smelt.hub.RepoInfo;
import dev.smelt.hub.RepoType;
import dev.smelt.hub.Revisions;
import dev.smelt.hub.TransferProgress;
import dev.smelt.hub.internal.cache.CacheLock;
import dev.smelt.hub.internal.cache.RepoCache;
import dev.smelt.hub.internal.http.HubHttp;
import dev.smelt.hub.internal.http.RequestTarget;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Downloads a repository revision into the huggingface_hub cache (like {@code snapshot_download}) or into a
 * plain folder (like {@code snapshot_download(local_dir=...)}): one listing call, then the missing files in
 * parallel, each blob under its own lock so concurrent processes never fetch it twice.
 */
public final class SnapshotDownloader {
    private final HubHttp http;
    private final HubApi api;
    private final TransferProgress progress;
    private final int maxWorkers;
    private final DiskSpace disk;

    public SnapshotDownloader(HubHttp http, TransferProgress progress, int maxWorkers, DiskSpace disk) {
        if (maxWorkers < 1) throw new SmeltException("--max-workers must be at least 1, got " + maxWorkers);
        this.http = http;
        this.api = new HubApi(http);
        this.progress = progress;
        this.maxWorkers = maxWorkers;
        this.disk = disk;
    }

    public HubApi api() {
        return api;
    }

    /** Returns {@code snapshots/{commit}} of the repository in the cache, with every file matching the filter. */
    public Path toCache(RepoType type, RepoId repo, String revision, PathFilter filter) throws IOException {
        RepoCache cache = new RepoCache(http.settings().hubCache(), type, repo);
        if (http.settings().offline()) return offlineSnapshot(cache, type, repo, revision);
        RepoInfo info = api.revision(type, repo, revision);
        String commit = info.commit();
        cache.writeRef(revision, commit);
        Path snapshot = cache.snapshot(commit);
        Files.createDirectories(snapshot);
        List<RepoFile> missing = new ArrayList<>();
        for (RepoFile f : info.files()) {
            if (filter.accepts(f.path()) && !cache.hasFile(commit, f.path())) missing.add(f);
        }
        RequestTarget target = RequestTarget.repo(type, repo).at(commit);
        List<RepoFile> toFetch = new ArrayList<>();
        for (RepoFile f : missing) {
            if (f.etag() != null && cache.hasBlob(f.etag())) {
                cache.link(commit, f.path(), f.etag());
            } else {
                toFetch.add(f);
            }
        }
        Path blobs = cache.folder().resolve("blobs");
        Files.createDirectories(blobs);
        checkSpace(blobs, toFetch, f -> f.etag() == null ? null : cache.incomplete(f.etag()));
        progress.expect(toFetch.stream().mapToLong(f -> Math.max(0, f.size())).sum(), toFetch.size());
        runAll(toFetch, f -> fetchIntoCache(cache, type, repo, commit, f, target.file(f.path())));
        return snapshot;
    }

    private void fetchIntoCache(RepoCache cache, RepoType type, RepoId repo, String commit, RepoFile listed,
            RequestTarget target) throws IOException {
        RepoFile f = listed;
        URI url = api.resolveUrl(type, repo, commit, f.path());
        if (f.etag() == null || f.size() < 0) {
            FileMetadata m = api.metadata(type, repo, commit, f.path());
            boolean lfs = m.etag().matches("[0-9a-f]{64}");
            f = new RepoFile(f.path(), m.size(), lfs ? f.blobId() : m.etag(), lfs ? m.etag() : null);
            url = m.location();
            if (listed.size() < 0 && m.size() > 0) progress.expect(m.size(), 0);
        }
        String etag = f.etag();
        try (CacheLock ignored = CacheLock.acquire(cache.lock(etag))) {
            if (cache.hasBlob(etag)) {
                progress.resumed(Math.max(0, f.size()));
            } else {
                Path incomplete = cache.incomplete(etag);
                new BlobFetcher(http, progress).fetch(url, incomplete, expected(f), target);
                move(incomplete, cache.blob(etag));
            }
        }
        cache.link(commit, f.path(), etag);
        progress.fileDone();
    }

    /** Downloads into {@code localDir}, keeping huggingface_hub's {@code .cache/huggingface/download} metadata. */
    public Path toLocalDir(RepoType type, RepoId repo, String revision, PathFilter filter, Path localDir) throws IOException {
        LocalDir dir = new LocalDir(localDir);
        if (http.settings().offline()) {
            if (!Files.isDirectory(localDir)) {
                throw new SmeltException("HF_HUB_OFFLINE is set and " + localDir + " does not exist: pull "
                        + type.id() + " '" + repo + "' once online");
            }
            return localDir;
        }
        RepoInfo info = api.revision(type, repo, revision);
        String commit = info.commit();
        List<RepoFile> toFetch = new ArrayList<>();
        for (RepoFile f : info.files()) {
            if (filter.accepts(f.path()) && !dir.upToDate(f, commit)) toFetch.add(f);
        }
        Files.createDirectories(localDir);
        checkSpace(localDir, toFetch, f -> f.etag() == null ? null : dir.incomplete(f.path(), f.etag()));
        progress.expect(toFetch.stream().mapToLong(f -> Math.max(0, f.size())).sum(), toFetch.size());
        RequestTarget target = RequestTarget.repo(type, repo).at(commit);
        runAll(toFetch, f -> {
            RepoFile file = f;
            URI url = api.resolveUrl(type, repo, commit, f.path());
            if (f.etag() == null || f.size() < 0) {
                FileMetadata m = api.metadata(type, repo, commit, f.path());
                boolean lfs = m.etag().matches("[0-9a-f]{64}");
                file = new RepoFile(f.path(), m.size(), lfs ? f.blobId() : m.etag(), lfs ? m.etag() : null);
                url = m.location();
            }
            try (CacheLock ignored = CacheLock.acquire(dir.lock(file.path()))) {
                Path incomplete = dir.incomplete(file.path(), file.etag());
                new BlobFetcher(http, progress).fetch(url, incomplete, expected(file), target.file(file.path()));
                move(incomplete, dir.file(file.path()));
                dir.writeMetadata(file.path(), commit, file.etag());
            }
            progress.fileDone();
        });
        return localDir;
    }

    /** Like {@code hf_hub_download}: one file into the cache, returning its snapshot path. */
    public Path file(RepoType type, RepoId repo, String revision, String path) throws IOException {
        RepoCache cache = new RepoCache(http.settings().hubCache(), type, repo);
        if (http.settings().offline()) {
            String commit = cache.resolveLocally(revision).orElseThrow(() -> notCached(cache, type, repo, revision));
            if (cache.hasFile(commit, path)) return cache.pointer(commit, path);
            if (Files.exists(cache.noExist(commit, path))) {
                throw new SmeltException("file '" + path + "' does not exist in " + type.id() + " '" + repo
                        + "' at revision '" + revision + "' (cached answer)");
            }
            throw new SmeltException("HF_HUB_OFFLINE is set and file '" + path + "' of " + type.id() + " '" + repo
                    + "' at '" + revision + "' is not in the cache " + cache.folder());
        }
        if (Revisions.isCommitHash(revision) && cache.hasFile(revision, path)) return cache.pointer(revision, path);
        FileMetadata m;
        try {
            m = api.metadata(type, repo, revision, path);
        } catch (HubHttpException e) {
            if ("EntryNotFound".equals(e.errorCode()) && Revisions.isCommitHash(e.repoCommit())) {
                Path marker = cache.noExist(e.repoCommit(), path);
                Files.createDirectories(marker.getParent());
                if (!Files.exists(marker)) Files.createFile(marker);
            }
            throw e;
        }
        if (!Revisions.isCommitHash(m.commit())) {
            throw new SmeltException("the Hub sent no X-Repo-Commit for '" + path + "' in " + type.id() + " '" + repo
                    + "': cannot place it in the cache (is HF_ENDPOINT a Hub?)");
        }
        cache.writeRef(revision, m.commit());
        if (cache.hasFile(m.commit(), path)) return cache.pointer(m.commit(), path);
        boolean lfs = m.etag().matches("[0-9a-f]{64}");
        RepoFile f = new RepoFile(path, m.size(), lfs ? null : m.etag(), lfs ? m.etag() : null);
        Files.createDirectories(cache.folder().resolve("blobs"));
        progress.expect(Math.max(0, m.size()), 1);
        try (CacheLock ignored = CacheLock.acquire(cache.lock(m.etag()))) {
            if (!cache.hasBlob(m.etag())) {
                // A HEAD etag of a regular file is not necessarily its git sha1 on every mirror: check size only.
                ExpectedContent expected = new ExpectedContent(m.size(), lfs ? m.etag() : null, null);
                new BlobFetcher(http, progress).fetch(m.location(), cache.incomplete(m.etag()), expected,
                        RequestTarget.repo(type, repo).at(revision).file(path));
                move(cache.incomplete(m.etag()), cache.blob(m.etag()));
            }
        }
        progress.fileDone();
        return cache.link(m.commit(), path, m.etag());
    }

    private Path offlineSnapshot(RepoCache cache, RepoType type, RepoId repo, String revision) throws IOException {
        String commit = cache.resolveLocally(revision).orElseThrow(() -> notCached(cache, type, repo, revision));
        Path snapshot = cache.snapshot(commit);
        if (!Files.isDirectory(snapshot)) throw notCached(cache, type, repo, revision);
        return snapshot;
    }

    private SmeltException notCached(RepoCache cache, RepoType type, RepoId repo, String revision) {
        return new SmeltException("HF_HUB_OFFLINE is set and " + type.id() + " '" + repo + "' revision '" + revision
                + "' is not in the cache " + cache.folder() + ": pull it once online");
    }

    private static ExpectedContent expected(RepoFile f) {
        return new ExpectedContent(f.size(), f.lfsSha256(), f.isLfs() ? null : f.blobId());
    }

    private void checkSpace(Path dir, List<RepoFile> files, Function<RepoFile, Path> partial)
            throws IOException {
        long need = 0;
        for (RepoFile f : files) {
            long size = Math.max(0, f.size());
            Path p = partial.apply(f);
            if (p != null && Files.exists(p)) size -= Math.min(size, Files.size(p));
            need += size;
        }
        long free = disk.usableBytes(dir);
        if (need > free) {
            throw new SmeltException("not enough disk space in " + dir + ": the download needs "
                    + ProgressPrinter.bytes(need) + " more, only "
                    + ProgressPrinter.bytes(free) + " free");
        }
    }

    static void move(Path from, Path to) throws IOException {
        Files.createDirectories(to.getParent());
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    @FunctionalInterface
    private interface FileTask {
        void run(RepoFile f) throws IOException;
    }

    /** Runs the tasks on up to maxWorkers threads; the first failure cancels the rest and is rethrown. */
    private void runAll(List<RepoFile> files, FileTask task) throws IOException {
        if (files.isEmpty()) return;
        int threads = Math.min(maxWorkers, files.size());
        AtomicInteger n = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "smelt-download-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        // Largest first, so the long transfers start early and the tail of the download stays parallel.
        List<RepoFile> ordered = new ArrayList<>(files);
        ordered.sort((a, b) -> Long.compare(b.size(), a.size()));
        List<Future<?>> futures = new ArrayList<>();
        for (RepoFile f : ordered) {
            futures.add(pool.submit(() -> {
                try {
                    task.run(f);
                } catch (InterruptedIOException e) {
                    throw new UncheckedIOException(e);
                } catch (IOException e) {
                    if (BlobFetcher.isDiskFull(e)) throw new SmeltException("disk full while downloading '" + f.path() + "': " + e.getMessage(), e);
                    throw new SmeltException("download of '" + f.path() + "' failed: "
                            + (e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName()), e);
                }
                return null;
            }));
        }
        pool.shutdown();
        try {
            for (Future<?> fut : futures) fut.get();
        } catch (InterruptedException e) {
            pool.shutdownNow();
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("download interrupted");
        } catch (ExecutionException e) {
            pool.shutdownNow();
            awaitQuietly(pool);
            Throwable c = e.getCause();
            if (c instanceof UncheckedIOException u) c = u.getCause();
            if (c instanceof SmeltException se) throw se;
            if (c instanceof IOException io) {
                if (BlobFetcher.isDiskFull(io)) throw new SmeltException("disk full: " + io.getMessage(), io);
                throw new SmeltException("download failed: " + io, io);
            }
            if (c instanceof RuntimeException re) throw re;
            throw new IllegalStateException(c);
        }
    }

    private static void awaitQuietly(ExecutorService pool) {
        try {
            pool.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
