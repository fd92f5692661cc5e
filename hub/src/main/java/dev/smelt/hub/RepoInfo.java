package dev.smelt.hub;

import java.util.List;

/** A repository at one revision: the commit it resolved to and its files. */
public record RepoInfo(String commit, List<RepoFile> files) {
    public RepoInfo {
        files = List.copyOf(files);
    }
}
