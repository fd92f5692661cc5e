package dev.smelt.hub;

/**
 * The outcome of a push: the new commit (null when nothing changed), its URL, and how many files went
 * inline, through LFS, were already on the Hub (LFS dedup) or unchanged (skipped from the commit).
 */
public record CommitResult(String commitOid, String commitUrl, int inlineFiles, int lfsUploaded, int lfsAlreadyPresent,
        int unchanged) {
    public boolean noChanges() {
        return commitOid == null;
    }
}
