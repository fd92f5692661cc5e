package dev.smelt.hub;

import dev.smelt.core.SmeltException;

/** {@code REPO[@REV]} as typed on the command line. */
public record RepoRef(RepoId repo, String revision) {
    public static final String DEFAULT_REVISION = "main";

    public static RepoRef parse(String text) {
        int at = text.lastIndexOf('@');
        if (at < 0) return new RepoRef(new RepoId(text), DEFAULT_REVISION);
        String rev = text.substring(at + 1);
        if (rev.isEmpty()) throw new SmeltException("empty revision after '@' in '" + text + "'");
        return new RepoRef(new RepoId(text.substring(0, at)), rev);
    }
}
