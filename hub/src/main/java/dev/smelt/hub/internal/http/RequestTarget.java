package dev.smelt.hub.internal.http;

import dev.smelt.hub.RepoId;
import dev.smelt.hub.RepoType;

/** What a request was about, so that an error can say which repository, revision or file was at fault. */
public record RequestTarget(RepoType type, RepoId repo, String revision, String file) {
    public static RequestTarget repo(RepoType type, RepoId repo) {
        return new RequestTarget(type, repo, null, null);
    }

    public RequestTarget at(String rev) {
        return new RequestTarget(type, repo, rev, file);
    }

    public RequestTarget file(String path) {
        return new RequestTarget(type, repo, revision, path);
    }

    public String describeRepo() {
        return type.id() + " '" + repo + "'";
    }
}
