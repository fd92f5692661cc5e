package dev.smelt.hub;

import dev.smelt.core.SmeltException;
import java.util.Locale;

/** The kinds of Hub repository Smelt reads and writes, with the URL and cache spellings huggingface_hub uses. */
public enum RepoType {
    MODEL("model", "models", ""),
    DATASET("dataset", "datasets", "datasets/");

    private final String id;
    private final String plural;
    private final String urlPrefix;

    RepoType(String id, String plural, String urlPrefix) {
        this.id = id;
        this.plural = plural;
        this.urlPrefix = urlPrefix;
    }

    /** "model" / "dataset", as in the {@code repo_type} argument of huggingface_hub and the create-repo API. */
    public String id() {
        return id;
    }

    /** "models" / "datasets": the API path segment and the cache folder prefix. */
    public String plural() {
        return plural;
    }

    /** Prefix of file URLs ({@code /datasets/org/name/resolve/...}); empty for models. */
    public String urlPrefix() {
        return urlPrefix;
    }

    public static RepoType parse(String s) {
        String v = s.toLowerCase(Locale.ROOT);
        for (RepoType t : values()) {
            if (t.id.equals(v) || t.plural.equals(v)) return t;
        }
        throw new SmeltException("unknown repo type '" + s + "': expected model or dataset");
    }
}
