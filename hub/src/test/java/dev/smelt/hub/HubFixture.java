package dev.smelt.hub;

import dev.smelt.testkit.hub.FakeHub;
import dev.smelt.testkit.hub.FakeRepo;
import dev.smelt.testkit.hub.RepoKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

/** A FakeHub with one model repository, plus clients that use a private cache under a temp dir. */
final class HubFixture implements AutoCloseable {
    static final String REPO = "smelt-test/tiny-model";
    static final RetryPolicy FAST_RETRY = new RetryPolicy(4, Duration.ofMillis(20), Duration.ofMillis(200));

    final Path dir;
    final FakeHub hub;
    final FakeRepo repo;
    final Map<String, byte[]> files = new LinkedHashMap<>();
    String commit;

    HubFixture(Path dir) throws IOException {
        this.dir = dir;
        this.hub = FakeHub.start(dir.resolve("server"));
        this.repo = hub.repo(RepoKind.MODEL, REPO).lfsThreshold(64 * 1024);
    }

    /** config.json + tokenizer.json (regular), two LFS weight files (one nested), a duplicate of one of them. */
    HubFixture standardFiles() throws IOException {
        Random rnd = new Random(42);
        files.put("config.json", "{\"model_type\": \"qwen2\", \"hidden_size\": 64}\n".getBytes());
        files.put("tokenizer.json", "{\"version\": \"1.0\"}".getBytes());
        files.put("model.safetensors", random(rnd, 700_000));
        files.put("sub/dir/extra.safetensors", random(rnd, 300_000));
        files.put("copy/model.safetensors", files.get("model.safetensors"));
        commit = repo.commitBytes("main", files, dir.resolve("server-src"));
        return this;
    }

    static byte[] random(Random rnd, int n) {
        byte[] b = new byte[n];
        rnd.nextBytes(b);
        return b;
    }

    Path cache() {
        return dir.resolve("hf-home").resolve("hub");
    }

    HubSettings settings() {
        return new HubSettings(hub.endpoint(), dir.resolve("hf-home"), cache(), false, Optional.empty(),
                Duration.ofSeconds(10), Duration.ofSeconds(10));
    }

    HubClient client() {
        return client(settings(), new TransferProgress());
    }

    HubClient client(HubSettings s, TransferProgress p) {
        return HubClient.builder().settings(s).retry(FAST_RETRY).progress(p).maxWorkers(4).build();
    }

    long bodyRequests() {
        return hub.requests().stream()
                .filter(l -> l.method().equals("GET") && l.bodyBytes() != 0
                        && (l.path().startsWith("/cdn/") || l.path().contains("/resolve/")))
                .count();
    }

    @Override
    public void close() throws IOException {
        hub.close();
    }

    static Path write(Path p, byte[] b) throws IOException {
        Files.createDirectories(p.getParent());
        return Files.write(p, b);
    }
}
