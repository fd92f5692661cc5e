package dev.smelt.datasets.source;

import dev.smelt.core.SmeltException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A dataset on the Hugging Face Hub: {@code hf://datasets/org/name[@revision][/path/glob]}, the
 * address form used by {@code huggingface_hub}'s file system. A revision holding {@code /} (such as
 * {@code refs/pr/1}) is written percent-encoded, as there.
 */
public record HubDataUri(String repo, String revision, String pathGlob) {
    public static final String PREFIX = "hf://datasets/";

    public static boolean isHubUri(String spec) {
        return spec.startsWith("hf://");
    }

    public static HubDataUri parse(String spec) {
        if (!spec.startsWith(PREFIX)) {
            throw new SmeltException(spec + ": expected hf://datasets/<org>/<name>[@revision][/path/glob]"
                    + " (only dataset repos can be training data)");
        }
        String rest = spec.substring(PREFIX.length());
        String[] parts = rest.split("/", 3);
        if (parts.length < 2 || parts[0].isEmpty() || parts[1].isEmpty()) {
            throw new SmeltException(spec + ": expected hf://datasets/<org>/<name>[@revision][/path/glob]");
        }
        String org = parts[0];
        String name = parts[1];
        String revision = "main";
        int at = name.indexOf('@');
        if (at >= 0) {
            revision = URLDecoder.decode(name.substring(at + 1), StandardCharsets.UTF_8);
            name = name.substring(0, at);
            if (revision.isEmpty() || name.isEmpty()) {
                throw new SmeltException(spec + ": empty repository name or revision around '@'");
            }
        }
        String glob = parts.length == 3 ? parts[2] : "";
        while (glob.endsWith("/")) glob = glob.substring(0, glob.length() - 1);
        return new HubDataUri(org + "/" + name, revision, glob);
    }

    /**
     * Download filters (fnmatch-style, as the Hub client takes them) that fetch what the path names:
     * the glob itself, and everything under it when it names a folder. Empty means the whole repo.
     */
    public List<String> downloadFilters() {
        if (pathGlob.isEmpty()) return List.of();
        return List.of(pathGlob, pathGlob + "/*");
    }

    @Override
    public String toString() {
        return PREFIX + repo + ("main".equals(revision) ? "" : "@" + revision) + (pathGlob.isEmpty() ? "" : "/" + pathGlob);
    }
}
