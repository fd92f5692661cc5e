package dev.smelt.hub;

import dev.smelt.core.SmeltException;
import java.util.regex.Pattern;

/** A Hub repository name, {@code name} or {@code namespace/name}, validated like huggingface_hub's validate_repo_id. */
public record RepoId(String value) {
    private static final Pattern VALID = Pattern.compile("^(?:[\\w\\-.]+/)?[\\w\\-.]{1,96}$");

    public RepoId {
        if (value == null || !VALID.matcher(value).matches() || value.contains("--") || value.contains("..")
                || value.endsWith(".git") || value.startsWith("-") || value.startsWith(".")
                || value.endsWith("-") || value.endsWith(".")) {
            throw new SmeltException("invalid repository id '" + value
                    + "': expected 'name' or 'namespace/name' of letters, digits, '-', '_', '.' (no '--' or '..')");
        }
    }

    /** {@code models--org--name}: the folder huggingface_hub uses for this repository inside the hub cache. */
    public String cacheFolderName(RepoType type) {
        return type.plural() + "--" + value.replace("/", "--");
    }

    /** The namespace (user or organisation), or null for a bare name. */
    public String namespace() {
        int slash = value.indexOf('/');
        return slash < 0 ? null : value.substring(0, slash);
    }

    public String name() {
        return value.substring(value.indexOf('/') + 1);
    }

    @Override
    public String toString() {
        return value;
    }
}
