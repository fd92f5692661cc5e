package dev.smelt.datasets.source;

import dev.smelt.core.SmeltException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Turns {@code --data} values (files, directories, globs, {@code hf://datasets/...} addresses) into
 * an ordered list of data files. Order is deterministic (sorted paths), so shuffles and splits seeded
 * the same way select the same rows on every machine.
 */
public final class SourceResolver {
    private final HubDatasetFetcher hub;

    /** @param hub fetches Hub dataset repos into the local cache; may be null when hf:// is not allowed */
    public SourceResolver(HubDatasetFetcher hub) {
        this.hub = hub;
    }

    public List<DataFile> resolve(List<String> specs) {
        if (specs.isEmpty()) throw new SmeltException("--data: no data source given");
        List<DataFile> files = new ArrayList<>();
        for (String spec : specs) files.addAll(resolve(spec));
        return files;
    }

    public List<DataFile> resolve(String spec) {
        if (HubDataUri.isHubUri(spec)) return resolveHub(HubDataUri.parse(spec));
        return resolveLocal(spec, spec);
    }

    private List<DataFile> resolveHub(HubDataUri uri) {
        if (hub == null) throw new SmeltException(uri + ": Hub data sources are not available here");
        Path root = hub.fetch(uri);
        String local = uri.pathGlob().isEmpty() ? root.toString() : root.resolve(uri.pathGlob()).toString();
        List<DataFile> found = resolveLocal(local, uri.toString());
        List<DataFile> named = new ArrayList<>(found.size());
        for (DataFile f : found) {
            String rel = root.relativize(f.path()).toString().replace('\\', '/');
            named.add(new DataFile(f.path(), HubDataUri.PREFIX + uri.repo() + "/" + rel, f.kind()));
        }
        return named;
    }

    private static List<DataFile> resolveLocal(String spec, String shownAs) {
        Path path = Path.of(spec);
        if (!Globs.hasGlob(spec)) {
            if (Files.isDirectory(path)) return fromDirectory(path, shownAs);
            if (!Files.isRegularFile(path)) throw new SmeltException(shownAs + ": no such file or directory");
            return List.of(new DataFile(path, spec, kindOf(path, shownAs)));
        }
        String base = Globs.fixedPrefix(spec);
        Path baseDir = Path.of(base.isEmpty() ? "." : base);
        String pattern = spec.startsWith("./") ? spec.substring(2) : spec;
        PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + pattern);
        List<DataFile> out = new ArrayList<>();
        if (Files.isDirectory(baseDir)) {
            for (Path p : walk(baseDir)) {
                Path candidate = base.isEmpty() ? baseDir.relativize(p) : p;
                if (!isHidden(baseDir, p) && matcher.matches(candidate) && FileKind.of(p).isPresent()) {
                    out.add(new DataFile(p, candidate.toString(), FileKind.of(p).get()));
                }
            }
        }
        if (out.isEmpty()) {
            throw new SmeltException(shownAs + ": no data files match (expected .jsonl, .json, .csv, .tsv, .parquet or .txt)");
        }
        return out;
    }

    /**
     * A directory's data files, recursively. Hidden files are skipped, and when several file kinds are
     * present the most common one is taken (like Hugging Face datasets), so a stray
     * {@code dataset_info.json} beside the Parquet shards is not read as data.
     */
    private static List<DataFile> fromDirectory(Path dir, String shownAs) {
        Map<FileKind, List<Path>> byKind = new EnumMap<>(FileKind.class);
        for (Path p : walk(dir)) {
            if (isHidden(dir, p)) continue;
            FileKind.of(p).ifPresent(k -> byKind.computeIfAbsent(k, x -> new ArrayList<>()).add(p));
        }
        if (byKind.isEmpty()) {
            throw new SmeltException(shownAs + ": directory holds no data files (expected .jsonl, .json, .csv, .tsv, .parquet or .txt)");
        }
        int most = byKind.values().stream().mapToInt(List::size).max().orElse(0);
        List<FileKind> top = byKind.entrySet().stream().filter(e -> e.getValue().size() == most)
                .map(Map.Entry::getKey).collect(Collectors.toList());
        if (top.size() > 1) {
            throw new SmeltException(shownAs + ": directory mixes " + top.stream().map(k -> k.name().toLowerCase())
                    .collect(Collectors.joining(" and ")) + " files in equal numbers; name the files with a glob");
        }
        FileKind kind = top.get(0);
        List<DataFile> out = new ArrayList<>();
        for (Path p : byKind.get(kind)) {
            String rel = dir.relativize(p).toString();
            out.add(new DataFile(p, shownAs.endsWith("/") ? shownAs + rel : shownAs + "/" + rel, kind));
        }
        return out;
    }

    private static boolean isHidden(Path dir, Path p) {
        for (Path part : dir.relativize(p)) {
            if (part.toString().startsWith(".")) return true;
        }
        return false;
    }

    private static List<Path> walk(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).sorted(Comparator.comparing(Path::toString)).collect(Collectors.toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static FileKind kindOf(Path path, String shownAs) {
        return FileKind.of(path).orElseThrow(() -> new SmeltException(shownAs
                + ": unknown data file type (expected .jsonl, .json, .csv, .tsv, .parquet or .txt, optionally .gz)"));
    }
}
