package dev.smelt.hub.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smelt.testkit.hub.FakeHub;
import dev.smelt.testkit.hub.FakeRepo;
import dev.smelt.testkit.hub.Fault;
import dev.smelt.testkit.hub.RepoKind;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real JVMs pulling at once, and a pull killed with SIGKILL then restarted. */
class ProcessPullIT {
    @TempDir Path tmp;

    private static Process start(FakeHub hub, Path cache, Path logs, String name) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                PullMain.class.getName(), hub.endpoint().toString(), cache.toString(), "it/model", "main");
        pb.redirectOutput(logs.resolve(name + ".out").toFile());
        pb.redirectError(logs.resolve(name + ".err").toFile());
        return pb.start();
    }

    private static Map<String, byte[]> files(Random rnd, int lfsFiles, int lfsSize) {
        Map<String, byte[]> m = new LinkedHashMap<>();
        m.put("config.json", "{\"a\": 1}".getBytes(StandardCharsets.UTF_8));
        m.put("tokenizer_config.json", "{}".getBytes(StandardCharsets.UTF_8));
        for (int i = 0; i < lfsFiles; i++) {
            byte[] b = new byte[lfsSize];
            rnd.nextBytes(b);
            m.put("model-" + i + ".safetensors", b);
        }
        return m;
    }

    @Test
    void twoProcessesPullingTogetherBothSucceedWithOneCopy() throws Exception {
        try (FakeHub hub = FakeHub.start(tmp.resolve("server"))) {
            FakeRepo repo = hub.repo(RepoKind.MODEL, "it/model").lfsThreshold(1024);
            Map<String, byte[]> files = files(new Random(3), 5, 2 << 20);
            String commit = repo.commitBytes("main", files, tmp.resolve("src"));
            hub.inject(Fault.slow("model-0.safetensors", 4 << 20));
            Path cache = tmp.resolve("cache");
            Path logs = Files.createDirectories(tmp.resolve("logs"));

            Process a = start(hub, cache, logs, "a");
            Process b = start(hub, cache, logs, "b");
            assertThat(a.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(b.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(a.exitValue()).as(Files.readString(logs.resolve("a.err"))).isZero();
            assertThat(b.exitValue()).as(Files.readString(logs.resolve("b.err"))).isZero();
            String pa = Files.readString(logs.resolve("a.out")).strip();
            String pb = Files.readString(logs.resolve("b.out")).strip();
            Path snap = cache.resolve("models--it--model/snapshots/" + commit);
            assertThat(pa).isEqualTo(snap.toString()).isEqualTo(pb);
            for (var e : files.entrySet()) assertThat(Files.readAllBytes(snap.resolve(e.getKey()))).isEqualTo(e.getValue());

            Map<String, Long> bodies = hub.requests().stream()
                    .filter(l -> l.method().equals("GET") && l.bodyBytes() > 0 && l.path().startsWith("/cdn/"))
                    .collect(Collectors.groupingBy(FakeHub.Logged::path, Collectors.counting()));
            assertThat(bodies).hasSize(5).allSatisfy((path, n) -> assertThat(n).as(path).isEqualTo(1L));
            try (var walk = Files.walk(cache)) {
                assertThat(walk.filter(p -> p.toString().endsWith(".incomplete"))).isEmpty();
            }
            try (var blobs = Files.list(cache.resolve("models--it--model/blobs"))) {
                assertThat(blobs.count()).isEqualTo(files.size());
            }
        }
    }

    @Test
    void pullKilledWithSigkillResumesWithoutRefetchingFinishedFiles() throws Exception {
        try (FakeHub hub = FakeHub.start(tmp.resolve("server"))) {
            FakeRepo repo = hub.repo(RepoKind.MODEL, "it/model").lfsThreshold(1024);
            Map<String, byte[]> files = files(new Random(4), 3, 1 << 20);
            byte[] big = new byte[8 << 20];
            new Random(5).nextBytes(big);
            files.put("big.safetensors", big);
            String commit = repo.commitBytes("main", files, tmp.resolve("src"));
            String bigSha = sha256(big);
            hub.inject(Fault.slow("big.safetensors", 1 << 20));
            Path cache = tmp.resolve("cache");
            Path logs = Files.createDirectories(tmp.resolve("logs"));
            Path blobs = cache.resolve("models--it--model/blobs");
            Path partial = blobs.resolve(bigSha + ".incomplete");

            Process p = start(hub, cache, logs, "first");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (System.nanoTime() < deadline && !(finishedSmallFiles(blobs, files, bigSha) && size(partial) > (1 << 20))) {
                Thread.sleep(50);
            }
            assertThat(p.isAlive()).as("the pull must still be running when it is killed").isTrue();
            p.destroyForcibly(); // SIGKILL
            assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
            long kept = size(partial);
            assertThat(kept).isGreaterThan(1 << 20).isLessThan(big.length);
            Path snap = cache.resolve("models--it--model/snapshots/" + commit);
            assertThat(snap.resolve("big.safetensors")).doesNotExist();

            hub.clearLog();
            Process again = start(hub, cache, logs, "second");
            assertThat(again.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(again.exitValue()).as(Files.readString(logs.resolve("second.err"))).isZero();
            assertThat(Files.readAllBytes(snap.resolve("big.safetensors"))).isEqualTo(big);
            for (var e : files.entrySet()) assertThat(Files.readAllBytes(snap.resolve(e.getKey()))).isEqualTo(e.getValue());

            List<FakeHub.Logged> gets = hub.requests().stream()
                    .filter(l -> l.method().equals("GET") && l.bodyBytes() > 0 && !l.path().startsWith("/api/")).toList();
            assertThat(gets).hasSize(1);
            assertThat(gets.get(0).path()).isEqualTo("/cdn/" + bigSha);
            long resumedFrom = Long.parseLong(gets.get(0).range().replaceAll("bytes=(\\d+)-", "$1"));
            assertThat(resumedFrom).isGreaterThanOrEqualTo(kept - (1 << 20)).isLessThanOrEqualTo(kept);
            assertThat(gets.get(0).bodyBytes()).isEqualTo(big.length - resumedFrom);
        }
    }

    private static boolean finishedSmallFiles(Path blobs, Map<String, byte[]> files, String bigSha) throws Exception {
        for (var e : files.entrySet()) {
            // blob names: sha256 for LFS files (>= 1024 bytes in this repo), git blob sha1 for the others
            String name = e.getValue().length >= 1024 ? sha256(e.getValue()) : gitSha1(e.getValue());
            if (!name.equals(bigSha) && !Files.exists(blobs.resolve(name))) return false;
        }
        return true;
    }

    private static long size(Path p) throws IOException {
        return Files.exists(p) ? Files.size(p) : 0;
    }

    private static String gitSha1(byte[] b) throws Exception {
        MessageDigest d = MessageDigest.getInstance("SHA-1");
        d.update(("blob " + b.length + "\0").getBytes(StandardCharsets.US_ASCII));
        return HexFormat.of().formatHex(d.digest(b));
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }
}
