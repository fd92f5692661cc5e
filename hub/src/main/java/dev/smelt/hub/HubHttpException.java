package dev.smelt.hub;

import dev.smelt.core.SmeltException;

/** The Hub answered with an error status; {@link #getMessage()} is the one-line explanation for the user. */
public final class HubHttpException extends SmeltException {
    private final int status;
    private final String errorCode;
    private final String repoCommit;

    public HubHttpException(int status, String errorCode, String repoCommit, String message) {
        super(message);
        this.status = status;
        this.errorCode = errorCode;
        this.repoCommit = repoCommit;
    }

    /** The {@code X-Repo-Commit} the error response carried (a 404 for a file names the commit it looked in). */
    public String repoCommit() {
        return repoCommit;
    }

    public int status() {
        return status;
    }

    /** The Hub's {@code X-Error-Code} header (RepoNotFound, RevisionNotFound, EntryNotFound, GatedRepo…) or null. */
    public String errorCode() {
        return errorCode;
    }
}
