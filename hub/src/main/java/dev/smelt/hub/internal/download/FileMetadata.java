package dev.smelt.hub.internal.download;

import java.net.URI;

/**
 * What a {@code HEAD .../resolve/{rev}/{path}} says about a file: the commit ({@code X-Repo-Commit}), the
 * normalized etag ({@code X-Linked-Etag} or {@code ETag}), the size ({@code X-Linked-Size} or
 * {@code Content-Length}) and where to GET it (the CDN location when redirected).
 */
public record FileMetadata(String commit, String etag, long size, URI location) {}
