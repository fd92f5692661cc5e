package dev.smelt.hub.internal.download;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.smelt.core.SmeltException;
import dev.smelt.hub.RepoFile;
import dev.smelt.hub.RepoId;
import dev.smelt.hub.RepoInfo;
import dev.smelt.hub.RepoType;
import dev.smelt.hub.Revisions;
import dev.smelt.hub.internal.RepoPaths;
import dev.smelt.hub.internal.cache.RepoCache;
import dev.smelt.hub.internal.http.HubHttp;
import dev.smelt.hub.internal.http.RequestTarget;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The read side of the Hub API: revision listings and per-file metadata. */
public final class HubApi {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HubHttp http;

    public HubApi(HubHttp http) {
        this.http = http;
    }

    /** {@code GET {endpoint}/api/{type}s/{repo}/revision/{rev}?blobs=true}: commit sha and files with sizes and hashes. */
    public RepoInfo revision(RepoType type, RepoId repo, String revision) throws IOException {
        URI uri = URI.create(http.settings().endpointUrl() + "/api/" + type.plural() + "/" + repo + "/revision/"
                + RepoPaths.encodeSegment(revision) + "?blobs=true");
        RequestTarget target = RequestTarget.repo(type, repo).at(revision);
        HubHttp.Response r = http.get(uri, target);
        JsonNode root;
        try {
            root = JSON.readTree(r.body());
        } catch (IOException e) {
            throw new SmeltException("the Hub's answer for " + target.describeRepo() + " revision '" + revision
                    + "' is not JSON: " + e.getMessage());
        }
        String where = target.describeRepo() + " at '" + revision + "'";
        String sha = root.path("sha").asText(null);
        if (!Revisions.isCommitHash(sha)) {
            throw new SmeltException("the Hub's listing of " + where + " has no commit sha ('sha' field)");
        }
        List<RepoFile> files = new ArrayList<>();
        for (JsonNode s : root.path("siblings")) {
            String name = s.path("rfilename").asText(null);
            RepoPaths.requireSafe(name, "the file list of " + where);
            JsonNode lfs = s.path("lfs");
            String lfsSha = lfs.isObject() ? lfs.path("sha256").asText(lfs.path("oid").asText(null)) : null;
            if (lfsSha != null && !lfsSha.matches("[0-9a-f]{64}")) {
                throw new SmeltException("the Hub's listing of " + where + " gives '" + name + "' an invalid LFS sha256 '" + lfsSha + "'");
            }
            long size = lfs.isObject() && lfs.has("size") ? lfs.get("size").asLong() : s.path("size").asLong(-1);
            String blobId = s.path("blobId").asText(null);
            if (blobId != null && !blobId.matches("[0-9a-f]{40}")) blobId = null;
            files.add(new RepoFile(name, size, blobId, lfsSha));
        }
        return new RepoInfo(sha, files);
    }

    /** {@code HEAD {endpoint}/{prefix}{repo}/resolve/{rev}/{path}}, following only same-host redirects. */
    public FileMetadata metadata(RepoType type, RepoId repo, String revision, String path) throws IOException {
        URI uri = resolveUrl(type, repo, revision, path);
        RequestTarget target = RequestTarget.repo(type, repo).at(revision).file(path);
        HubHttp.Response r = http.send("HEAD", uri, null, Map.of("Accept-Encoding", "identity"), target,
                HubHttp.Redirects.RELATIVE_ONLY, true);
        String commit = r.headers().firstValue("X-Repo-Commit").orElse(null);
        String etag = RepoCache.normalizeEtag(r.headers().firstValue("X-Linked-Etag")
                .orElse(r.headers().firstValue("ETag").orElse(null)));
        String sizeText = r.headers().firstValue("X-Linked-Size").orElse(r.headers().firstValue("Content-Length").orElse(null));
        if (etag == null) {
            throw new SmeltException("the Hub sent no ETag for '" + path + "' in " + target.describeRepo()
                    + ": cannot cache it (is HF_ENDPOINT a Hub?)");
        }
        long size;
        try {
            size = sizeText == null ? -1 : Long.parseLong(sizeText.strip());
        } catch (NumberFormatException e) {
            throw new SmeltException("the Hub sent size '" + sizeText + "' for '" + path + "': expected a number");
        }
        URI location = r.status() >= 300 && r.status() < 400
                ? r.uri().resolve(r.headers().firstValue("Location").orElseThrow()) : r.uri();
        return new FileMetadata(commit, etag, size, location);
    }

    public URI resolveUrl(RepoType type, RepoId repo, String revision, String path) {
        return URI.create(http.settings().endpointUrl() + "/" + type.urlPrefix() + repo + "/resolve/"
                + RepoPaths.encodeSegment(revision) + "/" + RepoPaths.encodePath(path));
    }
}
