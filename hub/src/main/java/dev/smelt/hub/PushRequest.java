package dev.smelt.hub;

import java.nio.file.Path;

/**
 * Upload {@code folder} to {@code repo} as one commit on {@code revision}; {@code create} makes the repository
 * first (private if {@code makePrivate}); {@code message} is the commit summary (its first line) and description.
 */
public record PushRequest(Path folder, RepoType type, RepoId repo, String revision, boolean create,
        boolean makePrivate, String message) {
    public PushRequest {
        if (revision == null || revision.isBlank()) revision = "main";
        if (message == null || message.isBlank()) message = "Upload folder using smelt";
    }
}
