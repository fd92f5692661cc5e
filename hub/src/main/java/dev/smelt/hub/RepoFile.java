package dev.smelt.hub;

/**
 * One file of a repository revision as listed by the API: size in bytes (of the real content for LFS files),
 * the git blob sha1, and for LFS files the sha256 of the content. Unknown values are -1 / null.
 */
public record RepoFile(String path, long size, String blobId, String lfsSha256) {
    public boolean isLfs() {
        return lfsSha256 != null;
    }

    /** The ETag the Hub serves for this file, hence its blob name in the cache: LFS sha256, else git sha1. */
    public String etag() {
        return lfsSha256 != null ? lfsSha256 : blobId;
    }
}
