package dev.smelt.bench.pull;

import dev.smelt.core.SmeltException;
import dev.smelt.core.io.AtomicFiles;
import dev.smelt.hub.HubClient;
import dev.smelt.hub.HubSettings;
import dev.smelt.hub.PathFilter;
import dev.smelt.hub.RetryPolicy;
import dev.smelt.hub.TransferProgress;
import dev.smelt.testkit.hub.FakeHub;
import dev.smelt.testkit.hub.FakeRepo;
import dev.smelt.testkit.hub.RepoKind;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Throughput of {@code smelt pull} against a loopback {@link FakeHub}, as a ratio to a plain single-stream
 * copy of the same bytes over the same loopback and HTTP client (one GET of all files concatenated, written
 * to one file and fsynced). The pull writes into a fresh huggingface_hub cache each run, with sha256 checks,
 * locks, symlinks and its fsync per blob; the best of {@code runs} is kept for both sides.
 */
public final class PullBenchmark {
    /** What was measured; rates in bytes per second. */
    public record Result(long bytes, int files, int workers, double baselineRate, double pullRate) {
        public double ratio() {
            return pullRate / baselineRate;
        }
    }

    private final Path workDir;
    private final long totalBytes;
    private final int files;
    private final int workers;
    private final int runs;
    private final Consumer<String> log;

    public PullBenchmark(Path workDir, long totalBytes, int files, int workers, int runs, Consumer<String> log) {
        if (files < 1 || totalBytes < files) throw new SmeltException("bench needs at least one byte per file");
        this.workDir = workDir;
        this.totalBytes = totalBytes;
        this.files = files;
        this.workers = workers;
        this.runs = Math.max(1, runs);
        this.log = log;
    }

    public Result run() throws IOException, InterruptedException {
        Path root = Files.createTempDirectory(Files.createDirectories(workDir), "smelt-bench-pull-");
        try {
            Map<String, Path> repoFiles = generate(root.resolve("repo"));
            try (FakeHub hub = FakeHub.start(root.resolve("server"))) {
                FakeRepo repo = hub.repo(RepoKind.MODEL, "bench/pull-" + files + "x").lfsThreshold(1);
                String commit = repo.commit("main", repoFiles);
                URI concat = URI.create(hub.endpoint() + "/_bench/concat/model/" + repo.id() + "/" + commit);
                HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                double bestBase = 0;
                double bestPull = 0;
                for (int i = 1; i <= runs; i++) {
                    double base = baseline(client, concat, root.resolve("baseline.bin"));
                    double pull = pull(hub, repo.id(), root.resolve("cache-" + i));
                    log.accept(String.format(Locale.ROOT, "run %d: single stream %.0f MiB/s, pull %.0f MiB/s",
                            i, base / (1 << 20), pull / (1 << 20)));
                    bestBase = Math.max(bestBase, base);
                    bestPull = Math.max(bestPull, pull);
                }
                return new Result(totalBytes, files, workers, bestBase, bestPull);
            }
        } finally {
            AtomicFiles.deleteRecursively(root);
        }
    }

    private Map<String, Path> generate(Path dir) throws IOException {
        Files.createDirectories(dir);
        Map<String, Path> out = new LinkedHashMap<>();
        long per = totalBytes / files;
        SplittableRandom rnd = new SplittableRandom(20240229);
        ByteBuffer buf = ByteBuffer.allocate(1 << 20);
        for (int i = 0; i < files; i++) {
            long size = i == files - 1 ? totalBytes - per * (files - 1) : per;
            String name = String.format("model-%05d-of-%05d.safetensors", i + 1, files);
            Path p = dir.resolve(name);
            try (FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                long left = size;
                while (left > 0) {
                    buf.clear();
                    while (buf.remaining() >= 8) buf.putLong(rnd.nextLong());
                    buf.flip();
                    buf.limit((int) Math.min(buf.limit(), left));
                    left -= ch.write(buf);
                }
            }
            out.put(name, p);
        }
        return out;
    }

    private double baseline(HttpClient client, URI uri, Path target) throws IOException, InterruptedException {
        Files.deleteIfExists(target);
        long t0 = System.nanoTime();
        HttpResponse<Path> r = client.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofFile(target));
        try (FileChannel ch = FileChannel.open(target, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        if (r.statusCode() != 200 || Files.size(target) != totalBytes) {
            throw new IOException("baseline stream returned " + r.statusCode() + " with " + Files.size(target) + " bytes");
        }
        Files.delete(target);
        return totalBytes / secs;
    }

    private double pull(FakeHub hub, String repo, Path cache) {
        HubSettings s = new HubSettings(hub.endpoint(), cache.getParent(), cache, false, Optional.empty(),
                Duration.ofSeconds(30), Duration.ofSeconds(10));
        HubClient c = HubClient.builder().settings(s).maxWorkers(workers).retry(RetryPolicy.DEFAULT)
                .progress(new TransferProgress()).build();
        long t0 = System.nanoTime();
        c.snapshot(repo, "main", PathFilter.ALL);
        double secs = (System.nanoTime() - t0) / 1e9;
        AtomicFiles.deleteRecursively(cache);
        return totalBytes / secs;
    }
}
