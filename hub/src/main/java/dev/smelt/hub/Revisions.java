package dev.smelt.hub;

import java.util.regex.Pattern;

/** Helpers for git revisions as the Hub names them. */
public final class Revisions {
    private static final Pattern COMMIT = Pattern.compile("^[0-9a-f]{40}$");

    private Revisions() {}

    /** True for a full 40-hex commit sha, the only revision that can be trusted without asking the server. */
    public static boolean isCommitHash(String revision) {
        return revision != null && COMMIT.matcher(revision).matches();
    }
}
