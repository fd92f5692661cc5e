package dev.smelt.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smelt.core.SmeltException;
import dev.smelt.testkit.hub.Fault;
import dev.smelt.testkit.hub.FakeHub;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The loopback server misbehaves; the client must recover or fail with a clear one-line error, never a bad file. */
class FaultInjectionTest {
    @TempDir Path tmp;

    private static List<FakeHub.Logged> bodyGets(HubFixture f, String sha) {
        return f.hub.requests().stream().filter(l -> l.path().equals("/cdn/" + sha)).toList();
    }

    @Test
    void connectionDroppedMidBodyIsResumedWithRange() throws Exception {
        try (HubFixture f = new HubFixture(tmp).standardFiles()) {
            f.hub.inject(Fault.dropAfter("model.safetensors", 250_000));
            Path snap = f.client().snapshot(HubFixture.REPO, "main", PathFilter.ALL);
            byte[] want = f.files.get("model.safetensors");
            assertThat(Files.readAllBytes(snap.resolve("model.safetensors"))).isEqualTo(want);
            List<FakeHub.Logged> gets = bodyGets(f, SnapshotLayoutTest.sha256(want));
            assertThat(gets).hasSize(2);
            assertThat(gets.get(0).range()).isNull();
            assertThat(gets.get(1).range()).isEqualTo("bytes=250000-");
            assertThat(gets.get(1).bodyBytes()).isEqualTo(want.length - 250_000);
            assertNoLeftovers(f);
        }
    }

    @Test
    void corruptBodyIsDiscardedAndRetriedOnce() throws Exception {
        try (HubFixture f = new HubFixture(tmp).standardFiles()) {
            f.hub.inject(Fault.corrupt("sub/dir/extra.safetensors"));
            Path snap = f.client().snapshot(HubFixture.REPO, "main", PathFilter.ALL);
            assertThat(Files.readAllBytes(snap.resolve("sub/dir/extra.safetensors")))
                    .isEqualTo(f.files.get("sub/dir/extra.safetensors"));
            assertNoLeftovers(f);
        }
    }

    @Test
    void corruptTwiceFailsNamingTheFileAndLeavesNothingInSnapshots() throws Exception {
        try (HubFixture f = new HubFixture(tmp).standardFiles()) {
            f.hub.inject(Fault.corrupt("sub/dir/extra.safetensors")).inject(Fault.corrupt("sub/dir/extra.safetensors"));
            assertThatThrownBy(() -> f.client().snapshot(HubFixture.REPO, "main", PathFilter.ALL))
                    .isInstanceOf(SmeltException.class)
                    .hasMessageStartingWith("checksum mismatch for 'sub/dir/extra.safetensors' in model 'smelt-test/tiny-model'")
                    .hasMessageContaining("discarded");
            Path snap = f.cache().resolve("models--smelt-test--tiny-model/snapshots/" + f.commit);
            assertThat(snap.resolve("sub/dir/extra.safetensors")).doesNotExist();
            String sha = SnapshotLayoutTest.sha256(f.files.get("sub/dir/extra.safetensors"));
            Path blobs = f.cache().resolve("models--smelt-test--tiny-model/blobs");
            assertThat(blobs.resolve(sha)).doesNotExist();
            assertThat(blobs.resolve(sha + ".incomplete")).doesNotExist();
        }
    }

    @Test
    void tooManyRequestsHonoursRetryAfterThenSucceeds() throws Exception {
        try (HubFixture f = new HubFixture(tmp).standardFiles()) {
            f.hub.inject(Fault.tooManyRequests("/api/models/", 1));
            f.hub.inject(Fault.tooManyRequests("/resolve/", 0));
            long t0 = System.nanoTime();
            Path snap = f.client().snapshot(HubFixture.REPO, "main", PathFilter.ALL);
            long waitedMs = (System.nanoTime() - t0) / 1_000_000;
            assertThat(Files.readAllBytes(snap.resolve("config.json"))).isEqualTo(f.files.get("config.json"));
            long apiCalls = f.hub.requests().stream().filter(l -> l.path().startsWith("/api/")).count();
            assertThat(apiCalls).isEqualTo(2);
            // Retry-After: 1 is above the 20 ms backoff of the test policy, so it must have been honoured.
            assertThat(waitedMs).isGreaterThanOrEqualTo(1000);
        }
    }

    @Test
    void serverErrorsAreRetriedWithBackoff() throws Exception {
        try (HubFixture f = new HubFixture(tmp).standardFiles()) {
            String sha = SnapshotLayoutTest.sha256(f.files.get("model.safetensors"));
            f.hub.inject(Fault.status("/cdn/" + sha, 500)).inject(Fault.status("/cdn/" + sha, 503));
            Path snap = f.client().snapshot(HubFixture.REPO, "main", PathFilter.ALL);
            assertThat(Files.readAllBytes(snap.resolve("model.safetensors"))).isEqualTo(f.files.get("model.safetensors"));
            assertThat(bodyGets(f, sha)).hasSize(3);
        }
    }

    @Test
    void persistentServerErrorGivesUpWithStatus() throws Exception {
        try (HubFixture f = new HubFixture(tmp).standardFiles()) {
            for (int i = 0; i < 4; i++) f.hub.inject(Fault.status("/api/models/", 500));
            assertThatThrownBy(() -> f.client().snapshot(HubFixture.REPO, "main", PathFilter.ALL))
                    .isInstanceOf(SmeltException.class)
                    .hasMessageStartingWith("the Hub answered HTTP 500 for model 'smelt-test/tiny-model'");
        }
    }

    @Test
    void authenticationAndNotFoundErrorsSayWhatIsWrong() throws Exception {
        try (HubFixture f = new HubFixture(tmp).standardFiles()) {
            f.repo.privateRepo(true);
            f.hub.acceptToken("hf_good");
            assertThatThrownBy(() -> f.client().snapshot(HubFixture.REPO, "main", PathFilter.ALL))
                    .hasMessage("authentication required for model 'smelt-test/tiny-model' (401): it is private, gated or"
                            + " does not exist; pass --token, set HF_TOKEN or write the token to $HF_HOME/token");
            HubSettings bad = f.settings().withToken("hf_bad_secret");
            assertThatThrownBy(() -> f.client(bad, new TransferProgress()).snapshot(HubFixture.REPO, "main", PathFilter.ALL))
                    .hasMessageContaining("token was rejected").hasMessageNotContaining("hf_bad_secret");
            HubClient good = f.client(f.settings().withToken("hf_good"), new TransferProgress());
            assertThat(good.snapshot(HubFixture.REPO, "main", PathFilter.ALL).resolve("config.json")).exists();
            assertThat(f.hub.cdnSawAuthorization()).as("token must not follow the redirect to the CDN").isFalse();

            assertThatThrownBy(() -> good.snapshot(HubFixture.REPO, "no-such-branch", PathFilter.ALL))
                    .hasMessage("revision 'no-such-branch' not found in model 'smelt-test/tiny-model'");
            assertThatThrownBy(() -> good.snapshot("smelt-test/absent", "main", PathFilter.ALL))
                    .hasMessageStartingWith("model 'smelt-test/absent' not found at " + f.hub.endpoint());
            assertThatThrownBy(() -> good.file(RepoType.MODEL, new RepoId(HubFixture.REPO), "main", "nope.txt"))
                    .hasMessage("file 'nope.txt' not found in model 'smelt-test/tiny-model' at revision 'main'");
        }
    }

    @Test
    void gatedRepositorySaysToAcceptTheLicence() throws Exception {
        try (HubFixture f = new HubFixture(tmp).standardFiles()) {
            f.repo.gated(true);
            f.hub.acceptToken("hf_user");
            assertThatThrownBy(() -> f.client().snapshot(HubFixture.REPO, "main", PathFilter.ALL))
                    .hasMessageStartingWith("model 'smelt-test/tiny-model' is a gated repository: accept its licence at ");
            HubClient c = f.client(f.settings().withToken("hf_user"), new TransferProgress());
            assertThatThrownBy(() -> c.snapshot(HubFixture.REPO, "main", PathFilter.ALL))
                    .hasMessage("model 'smelt-test/tiny-model' is a gated repository: accept its licence at "
                            + f.hub.endpoint() + "/smelt-test/tiny-model while logged in, then retry with a token of"
                            + " that account (--token or HF_TOKEN)");
            f.hub.grantGated("hf_user");
            assertThat(c.snapshot(HubFixture.REPO, "main", PathFilter.ALL).resolve("model.safetensors")).exists();
        }
    }

    @Test
    void slowServerStillUpdatesProgress() throws Exception {
        try (HubFixture f = new HubFixture(tmp)) {
            byte[] big = HubFixture.random(new Random(1), 600_000);
            f.commit = f.repo.commitBytes("main", Map.of("slow.bin", big), tmp.resolve("src"));
            f.hub.inject(Fault.slow("slow.bin", 600_000));
            TransferProgress p = new TransferProgress();
            HubClient c = f.client(f.settings(), p);
            CompletableFuture<Path> pull = CompletableFuture.supplyAsync(() -> c.snapshot(HubFixture.REPO, "main", PathFilter.ALL));
            List<Long> seen = new ArrayList<>();
            while (!pull.isDone()) {
                long done = p.snapshot().doneBytes();
                if (seen.isEmpty() || seen.get(seen.size() - 1) != done) seen.add(done);
                Thread.sleep(20);
            }
            assertThat(Files.readAllBytes(pull.get().resolve("slow.bin"))).isEqualTo(big);
            assertThat(seen.stream().filter(d -> d > 0 && d < big.length).count())
                    .as("intermediate progress values seen during a ~1 s transfer").isGreaterThanOrEqualTo(5);
            assertThat(p.snapshot().doneBytes()).isEqualTo(big.length);
        }
    }

    @Test
    void maliciousFileNamesAreRefused() throws Exception {
        for (String evil : List.of("../escape.txt", "/etc/evil", "a\\..\\b.txt", "ok/../../x")) {
            Path dir = Files.createTempDirectory(tmp, "case");
            try (HubFixture f = new HubFixture(dir)) {
                f.repo.commitBytes("main", Map.of("config.json", "{}".getBytes(), evil, "pwned".getBytes()), dir.resolve("src"));
                assertThatThrownBy(() -> f.client().snapshot(HubFixture.REPO, "main", PathFilter.ALL))
                        .isInstanceOf(SmeltException.class)
                        .hasMessageStartingWith("refusing file name '" + evil + "'");
                try (Stream<Path> all = Files.walk(dir)) {
                    assertThat(all.filter(p -> p.getFileName().toString().contains("escape") || p.toString().endsWith("x")
                            || p.getFileName().toString().equals("evil"))).isEmpty();
                }
                assertThat(f.bodyRequests()).isZero();
            }
        }
    }

    @Test
    void notEnoughDiskSpaceFailsBeforeDownloading() throws Exception {
        try (HubFixture f = new HubFixture(tmp).standardFiles()) {
            HubClient c = HubClient.builder().settings(f.settings()).retry(HubFixture.FAST_RETRY).diskSpace(d -> 1000).build();
            assertThatThrownBy(() -> c.snapshot(HubFixture.REPO, "main", PathFilter.ALL))
                    .hasMessageStartingWith("not enough disk space in ")
                    .hasMessageContaining("only 1000 B free");
            assertThat(f.bodyRequests()).isZero();
        }
    }

    @Test
    void unreachableEndpointIsOneClearLine() throws Exception {
        HubSettings s = new HubSettings(URI.create("http://127.0.0.1:9"), tmp, tmp.resolve("hub"), false,
                Optional.empty(), Duration.ofSeconds(2), Duration.ofSeconds(2));
        HubClient c = HubClient.builder().settings(s).retry(HubFixture.FAST_RETRY).build();
        assertThatThrownBy(() -> c.snapshot("a/b", "main", PathFilter.ALL))
                .isInstanceOf(SmeltException.class)
                .hasMessageStartingWith("cannot reach http://127.0.0.1:9 (connection refused) after 4 attempts");
    }

    private static void assertNoLeftovers(HubFixture f) throws Exception {
        try (Stream<Path> all = Files.walk(f.cache())) {
            assertThat(all.filter(p -> p.toString().endsWith(".incomplete") || p.toString().endsWith(".tmp"))).isEmpty();
        }
    }
}
