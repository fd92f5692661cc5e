package dev.smelt.testkit.hub;

import java.util.Locale;

/**
 * The repository kinds the fake Hub serves, spelled as the Hub's URLs spell them. The testkit keeps its own enum
 * rather than hub's {@code RepoType} so that hub's own tests can use the fake Hub (testkit must not depend on hub).
 */
public enum RepoKind {
    MODEL("model", "models", ""),
    DATASET("dataset", "datasets", "datasets/");

    private final String id;
    private final String plural;
    private final String urlPrefix;

    RepoKind(String id, String plural, String urlPrefix) {
        this.id = id;
        this.plural = plural;
        this.urlPrefix = urlPrefix;
    }

    public String id() {
        return id;
    }

    public String plural() {
        return plural;
    }

    public String urlPrefix() {
        return urlPrefix;
    }

    static RepoKind parse(String s) {
        String v = s.toLowerCase(Locale.ROOT);
        for (RepoKind k : values()) {
            if (k.id.equals(v) || k.plural.equals(v)) return k;
        }
        throw new IllegalArgumentException("unknown repo type '" + s + "'");
    }
}
