package dev.smelt.spark.prepare;

import dev.smelt.core.SmeltException;
import dev.smelt.datasets.source.DataFile;
import dev.smelt.datasets.source.FileKind;
import dev.smelt.datasets.source.HubDataUri;
import dev.smelt.datasets.source.HubDatasetFetcher;
import dev.smelt.datasets.source.SourceResolver;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.RemoteIterator;

/**
 * {@code --data} values to data files in source order, on the driver. Local paths and {@code hf://datasets/...} go
 * through the datasets module's {@link SourceResolver} (the same files, order and names as {@code smelt data prepare};
 * hf:// is fetched into the driver's Hub cache by the hub module); any other URI ({@code s3a://}, {@code gs://},
 * {@code hdfs://}, {@code file:}) through Hadoop's file system for its scheme, the connector Spark's own readers use,
 * with the same rules: a file, a directory (recursive, hidden files skipped, the most common data file kind), or a glob;
 * sorted by path.
 */
final class SparkSources {
    private static final Pattern URI_SCHEME = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]+:.*");

    /** A resolved file; {@code hub} when it was fetched into the driver's Hub cache. */
    record Resolved(String displayName, String path, boolean hadoop, boolean hub, FileKind kind, long size) {}

    private final HubDatasetFetcher hub;
    private final Configuration conf;

    SparkSources(HubDatasetFetcher hub, Configuration conf) {
        this.hub = hub;
        this.conf = conf;
    }

    static boolean isHadoopUri(String spec) {
        return !HubDataUri.isHubUri(spec) && URI_SCHEME.matcher(spec).matches();
    }

    List<Resolved> resolve(List<String> specs) throws IOException {
        if (specs.isEmpty()) throw new SmeltException("--data: no data source given");
        List<Resolved> out = new ArrayList<>();
        for (String spec : specs) {
            if (isHadoopUri(spec)) {
                out.addAll(resolveHadoop(spec));
            } else {
                boolean fromHub = HubDataUri.isHubUri(spec);
                for (DataFile f : new SourceResolver(hub).resolve(spec)) {
                    out.add(new Resolved(f.displayName(), f.path().toString(), false, fromHub, f.kind(), Files.size(f.path())));
                }
            }
        }
        return out;
    }

    private List<Resolved> resolveHadoop(String spec) throws IOException {
        org.apache.hadoop.fs.Path path = new org.apache.hadoop.fs.Path(spec);
        FileSystem fs = path.getFileSystem(conf);
        List<Resolved> out = new ArrayList<>();
        if (hasGlob(spec)) {
            FileStatus[] found = fs.globStatus(path);
            if (found != null) {
                for (FileStatus s : found) {
                    String p = s.getPath().toString();
                    if (s.isFile() && kindOf(s.getPath()) != null && !hidden(s.getPath().getName())) {
                        out.add(new Resolved(p, p, true, false, kindOf(s.getPath()), s.getLen()));
                    }
                }
            }
            if (out.isEmpty()) {
                throw new SmeltException(spec + ": no data files match (expected .jsonl, .json, .csv, .tsv, .parquet or .txt)");
            }
            out.sort(Comparator.comparing(Resolved::path));
            return out;
        }
        FileStatus status;
        try {
            status = fs.getFileStatus(path);
        } catch (FileNotFoundException e) {
            throw new SmeltException(spec + ": no such file or directory");
        }
        if (status.isFile()) {
            FileKind kind = kindOf(status.getPath());
            if (kind == null) {
                throw new SmeltException(spec + ": unknown data file type (expected .jsonl, .json, .csv, .tsv, .parquet or"
                        + " .txt, optionally .gz)");
            }
            return List.of(new Resolved(spec, status.getPath().toString(), true, false, kind, status.getLen()));
        }
        String root = status.getPath().toString();
        Map<FileKind, List<LocatedFileStatus>> byKind = new EnumMap<>(FileKind.class);
        RemoteIterator<LocatedFileStatus> it = fs.listFiles(status.getPath(), true);
        while (it.hasNext()) {
            LocatedFileStatus s = it.next();
            String rel = s.getPath().toString().substring(root.length()).replaceAll("^/+", "");
            if (rel.isEmpty() || List.of(rel.split("/")).stream().anyMatch(SparkSources::hidden)) continue;
            FileKind kind = kindOf(s.getPath());
            if (kind != null) byKind.computeIfAbsent(kind, k -> new ArrayList<>()).add(s);
        }
        if (byKind.isEmpty()) {
            throw new SmeltException(spec + ": directory holds no data files (expected .jsonl, .json, .csv, .tsv, .parquet or .txt)");
        }
        int most = byKind.values().stream().mapToInt(List::size).max().orElse(0);
        List<FileKind> top = byKind.entrySet().stream().filter(e -> e.getValue().size() == most)
                .map(Map.Entry::getKey).collect(Collectors.toList());
        if (top.size() > 1) {
            throw new SmeltException(spec + ": directory mixes " + top.stream().map(k -> k.name().toLowerCase())
                    .collect(Collectors.joining(" and ")) + " files in equal numbers; name the files with a glob");
        }
        for (LocatedFileStatus s : byKind.get(top.get(0))) {
            String rel = s.getPath().toString().substring(root.length()).replaceAll("^/+", "");
            out.add(new Resolved(spec.endsWith("/") ? spec + rel : spec + "/" + rel, s.getPath().toString(), true, false,
                    top.get(0), s.getLen()));
        }
        out.sort(Comparator.comparing(Resolved::path));
        return out;
    }

    private static boolean hidden(String name) {
        return name.startsWith(".");
    }

    private static boolean hasGlob(String spec) {
        String afterScheme = spec.substring(spec.indexOf(':') + 1);
        return afterScheme.chars().anyMatch(c -> c == '*' || c == '?' || c == '[' || c == '{');
    }

    private static FileKind kindOf(org.apache.hadoop.fs.Path p) {
        return FileKind.of(Path.of(p.getName())).orElse(null);
    }

}
