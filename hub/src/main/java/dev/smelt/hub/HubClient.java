package dev.smelt.hub;

import dev.smelt.core.SmeltException;
import dev.smelt.hub.internal.RepoPaths;
import dev.smelt.hub.internal.download.SnapshotDownloader;
import dev.smelt.hub.internal.http.HubHttp;
import dev.smelt.hub.internal.upload.RepoUploader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * Smelt's Hugging Face Hub client: pulls repositories into the huggingface_hub cache (so Python tools find
 * them, and Smelt finds theirs) and pushes folders back through the commit API.
 *
 * <pre>{@code
 * HubClient hub = HubClient.create();
 * Path dir = hub.snapshot("Qwen/Qwen2.5-0.5B", "main", PathFilter.ALL);
 * }</pre>
 */
public final class HubClient {
    public static final int DEFAULT_MAX_WORKERS = 8;

    private final HubHttp http;
    private final TransferProgress progress;
    private final SnapshotDownloader downloader;
    private final int maxWorkers;

    private HubClient(Builder b) {
        this.http = new HubHttp(b.settings, b.retry);
        this.progress = b.progress;
        this.maxWorkers = b.maxWorkers;
        this.downloader = new SnapshotDownloader(http, progress, b.maxWorkers, b.diskSpace);
    }

    /** A client configured from the environment (HF_ENDPOINT, HF_HOME, HF_HUB_CACHE, HF_HUB_OFFLINE, HF_TOKEN). */
    public static HubClient create() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public HubSettings settings() {
        return http.settings();
    }

    /** Counters of this client's transfers, for a progress display. */
    public TransferProgress progress() {
        return progress;
    }

    /** A model snapshot in the cache: {@code {cache}/models--org--name/snapshots/{commit}}. */
    public Path snapshot(String repo, String revision, PathFilter filter) {
        return snapshot(RepoType.MODEL, new RepoId(repo), revision, filter);
    }

    public Path snapshot(RepoType type, RepoId repo, String revision, PathFilter filter) {
        try {
            return downloader.toCache(type, repo, revision, filter);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Downloads into a plain folder (huggingface_hub's {@code local_dir}) instead of the cache. */
    public Path snapshotToDir(RepoType type, RepoId repo, String revision, PathFilter filter, Path localDir) {
        try {
            return downloader.toLocalDir(type, repo, revision, filter, localDir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One file into the cache (huggingface_hub's {@code hf_hub_download}); returns its snapshot path. */
    public Path file(RepoType type, RepoId repo, String revision, String path) {
        try {
            return downloader.file(type, repo, revision, RepoPaths.requireSafe(path, "the caller"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The commit a revision points at and its files (one API call). */
    public RepoInfo revision(RepoType type, RepoId repo, String revision) {
        try {
            return downloader.api().revision(type, repo, revision);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Uploads a folder as one commit; LFS files already on the Hub are not uploaded again. */
    public CommitResult push(PushRequest request) {
        try {
            return new RepoUploader(http, progress, maxWorkers).push(request);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static final class Builder {
        private HubSettings settings;
        private RetryPolicy retry = RetryPolicy.DEFAULT;
        private TransferProgress progress = new TransferProgress();
        private int maxWorkers = DEFAULT_MAX_WORKERS;
        private DiskSpace diskSpace = DiskSpace.FILE_STORE;

        public Builder settings(HubSettings s) {
            this.settings = s;
            return this;
        }

        public Builder retry(RetryPolicy r) {
            this.retry = r;
            return this;
        }

        public Builder progress(TransferProgress p) {
            this.progress = p;
            return this;
        }

        public Builder maxWorkers(int n) {
            this.maxWorkers = n;
            return this;
        }

        public Builder diskSpace(DiskSpace d) {
            this.diskSpace = d;
            return this;
        }

        public HubClient build() {
            if (settings == null) settings = HubSettings.fromEnvironment();
            if (maxWorkers < 1) throw new SmeltException("max workers must be at least 1, got " + maxWorkers);
            return new HubClient(this);
        }
    }
}
