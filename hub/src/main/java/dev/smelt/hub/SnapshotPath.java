package dev.smelt.hub;

import dev.smelt.core.SmeltException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where a path sits in a huggingface_hub cache: {@code {cache}/models--org--name/snapshots/{commit}/{file}}
 * read back into the repository, its type, the commit and the file inside the snapshot (empty for the snapshot
 * folder itself). Commands use it to name a model pulled into the cache by its Hub id instead of its folder.
 */
public record SnapshotPath(Path cache, RepoType type, RepoId repo, String commit, String file) {
    /**
     * The innermost snapshot enclosing {@code path} (made absolute and normalised first), or empty when no
     * {@code <type>s--<repo>/snapshots/<commit>} run of folder names is in it.
     */
    public static Optional<SnapshotPath> parse(Path path) {
        Path abs = path.toAbsolutePath().normalize();
        for (int i = abs.getNameCount() - 3; i >= 0; i--) {
            if (!abs.getName(i + 1).toString().equals("snapshots")) continue;
            int at = i;
            Path cache = at == 0 ? abs.getRoot() : abs.getRoot().resolve(abs.subpath(0, at));
            String file = at + 3 < abs.getNameCount() ? abs.subpath(at + 3, abs.getNameCount()).toString().replace('\\', '/') : "";
            Optional<SnapshotPath> found = repoFolder(abs.getName(at).toString())
                    .map(t -> new SnapshotPath(cache, t.type, t.repo, abs.getName(at + 2).toString(), file));
            if (found.isPresent()) return found;
        }
        return Optional.empty();
    }

    /** The snapshot folder, {@code {cache}/models--org--name/snapshots/{commit}}. */
    public Path snapshot() {
        return cache.resolve(repo.cacheFolderName(type)).resolve("snapshots").resolve(commit);
    }

    /** True when the parsed path was the snapshot folder itself, not a file or folder inside it. */
    public boolean isSnapshotRoot() {
        return file.isEmpty();
    }

    private record TypedRepo(RepoType type, RepoId repo) {}

    private static Optional<TypedRepo> repoFolder(String name) {
        for (RepoType t : RepoType.values()) {
            String prefix = t.plural() + "--";
            if (!name.startsWith(prefix)) continue;
            String rest = name.substring(prefix.length());
            int sep = rest.indexOf("--");
            String id = sep < 0 ? rest : rest.substring(0, sep) + "/" + rest.substring(sep + 2);
            try {
                return Optional.of(new TypedRepo(t, new RepoId(id)));
            } catch (SmeltException e) {
                return Optional.empty(); // not a folder huggingface_hub would have written
            }
        }
        return Optional.empty();
    }
}
