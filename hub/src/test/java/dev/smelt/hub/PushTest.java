package dev.smelt.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smelt.core.io.AtomicFiles;
import dev.smelt.testkit.hub.FakeHub;
import dev.smelt.testkit.hub.RepoKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Push through create-repo, preupload, LFS batch/upload/verify and the NDJSON commit, then pull it back. */
class PushTest {
    @TempDir Path tmp;

    @Test
    void pushCreatesRepoUploadsLfsAndInlineAndRepushIsFree() throws Exception {
        try (HubFixture f = new HubFixture(tmp)) {
            f.hub.acceptToken("hf_writer");
            Path src = tmp.resolve("release");
            Random rnd = new Random(7);
            byte[] weights = HubFixture.random(rnd, 12 * 1024 * 1024 + 5);
            HubFixture.write(src.resolve("model.safetensors"), weights);
            HubFixture.write(src.resolve("config.json"), "{\"a\":1}".getBytes());
            HubFixture.write(src.resolve("nested/README.md"), "# hi\n".getBytes());
            HubFixture.write(src.resolve("empty.txt"), new byte[0]);
            HubFixture.write(src.resolve(".git/HEAD"), "ref".getBytes());
            HubFixture.write(src.resolve(".cache/huggingface/download/x.metadata"), "m".getBytes());
            f.hub.multipart(8 * 1024 * 1024, 5 * 1024 * 1024);

            HubClient c = f.client(f.settings().withToken("hf_writer"), new TransferProgress());
            RepoId repo = new RepoId("me/release");
            CommitResult r = c.push(new PushRequest(src, RepoType.MODEL, repo, "main", true, true, "First release\n\nDetails."));
            assertThat(r.noChanges()).isFalse();
            assertThat(r.lfsUploaded()).isEqualTo(1);
            assertThat(r.inlineFiles()).isEqualTo(3);
            assertThat(f.hub.lfsUploads()).isEqualTo(1);
            assertThat(f.hub.cdnSawAuthorization()).isFalse();
            assertThat(f.hub.existingRepo(RepoKind.MODEL, "me/release")).isNotNull();

            Path snap = c.snapshot("me/release", "main", PathFilter.ALL);
            assertThat(Files.readAllBytes(snap.resolve("model.safetensors"))).isEqualTo(weights);
            assertThat(Files.readString(snap.resolve("nested/README.md"))).isEqualTo("# hi\n");
            assertThat(Files.size(snap.resolve("empty.txt"))).isZero();
            assertThat(snap.resolve(".git")).doesNotExist();
            assertThat(snap.resolve(".gitattributes")).exists();

            CommitResult again = c.push(new PushRequest(src, RepoType.MODEL, repo, "main", true, false, "again"));
            assertThat(again.noChanges()).isTrue();
            assertThat(again.unchanged()).isEqualTo(4);
            assertThat(f.hub.lfsUploads()).isEqualTo(1);

            // same weights under a new name, one changed small file: LFS dedup, commit has both
            Files.copy(src.resolve("model.safetensors"), src.resolve("model-copy.safetensors"));
            Files.writeString(src.resolve("config.json"), "{\"a\":2}");
            CommitResult third = c.push(new PushRequest(src, RepoType.MODEL, repo, "main", false, false, "third"));
            assertThat(third.lfsUploaded()).isZero();
            assertThat(third.lfsAlreadyPresent()).isEqualTo(1);
            assertThat(third.inlineFiles()).isEqualTo(1);
            assertThat(third.unchanged()).isEqualTo(3);
            assertThat(f.hub.lfsUploads()).isEqualTo(1);
            Path snap3 = c.snapshot("me/release", "main", PathFilter.ALL);
            assertThat(Files.readString(snap3.resolve("config.json"))).isEqualTo("{\"a\":2}");
            assertThat(Files.readAllBytes(snap3.resolve("model-copy.safetensors"))).isEqualTo(weights);
        }
    }

    @Test
    void pushWithoutTokenOrToMissingRepoFailsClearly() throws Exception {
        try (HubFixture f = new HubFixture(tmp)) {
            f.hub.acceptToken("hf_writer");
            Path src = tmp.resolve("release");
            HubFixture.write(src.resolve("config.json"), "{}".getBytes());
            assertThatThrownBy(() -> f.client().push(new PushRequest(src, RepoType.DATASET, new RepoId("me/data"), "main",
                    false, false, null)))
                    .hasMessageStartingWith("authentication required for dataset 'me/data' (401)");
            HubClient c = f.client(f.settings().withToken("hf_writer"), new TransferProgress());
            assertThatThrownBy(() -> c.push(new PushRequest(src, RepoType.DATASET, new RepoId("me/data"), "main",
                    false, false, null)))
                    .hasMessageStartingWith("dataset 'me/data' not found at ");
            CommitResult r = c.push(new PushRequest(src, RepoType.DATASET, new RepoId("me/data"), "main", true, false, null));
            assertThat(r.commitUrl()).isEqualTo(f.hub.endpoint() + "/datasets/me/data/commit/" + r.commitOid());
            Path snap = c.snapshot(RepoType.DATASET, new RepoId("me/data"), "main", PathFilter.ALL);
            assertThat(snap.toString()).contains("datasets--me--data");
            assertThat(Files.readString(snap.resolve("config.json"))).isEqualTo("{}");
        }
    }

    @Test
    void localDirModeKeepsHuggingfaceHubMetadataAndSkipsUpToDateFiles() throws Exception {
        try (HubFixture f = new HubFixture(tmp).standardFiles()) {
            Path out = tmp.resolve("local");
            Path got = f.client().snapshotToDir(RepoType.MODEL, new RepoId(HubFixture.REPO), "main", PathFilter.ALL, out);
            assertThat(got).isEqualTo(out);
            assertThat(Files.isSymbolicLink(out.resolve("model.safetensors"))).isFalse();
            assertThat(Files.readAllBytes(out.resolve("sub/dir/extra.safetensors"))).isEqualTo(f.files.get("sub/dir/extra.safetensors"));
            String meta = Files.readString(out.resolve(".cache/huggingface/download/model.safetensors.metadata"));
            String[] lines = meta.split("\n");
            assertThat(lines[0]).isEqualTo(f.commit);
            assertThat(lines[1]).isEqualTo(SnapshotLayoutTest.sha256(f.files.get("model.safetensors")));
            assertThat(Files.readString(out.resolve(".cache/huggingface/.gitignore"))).isEqualTo("*");
            f.hub.clearLog();
            f.client().snapshotToDir(RepoType.MODEL, new RepoId(HubFixture.REPO), "main", PathFilter.ALL, out);
            assertThat(f.bodyRequests()).isZero();

            // Without metadata, LFS files are recognised by their sha256; the two regular files are fetched again.
            AtomicFiles.deleteRecursively(out.resolve(".cache"));
            f.hub.clearLog();
            f.client().snapshotToDir(RepoType.MODEL, new RepoId(HubFixture.REPO), "main", PathFilter.ALL, out);
            assertThat(f.bodyRequests()).isEqualTo(2);
            assertThat(out.resolve(".cache/huggingface/download/sub/dir/extra.safetensors.metadata")).exists();
        }
    }

    @Test
    void concurrentPullsInOneProcessDownloadEachBlobOnce() throws Exception {
        try (HubFixture f = new HubFixture(tmp).standardFiles()) {
            var a = CompletableFuture.supplyAsync(() -> f.client().snapshot(HubFixture.REPO, "main", PathFilter.ALL));
            var b = CompletableFuture.supplyAsync(() -> f.client().snapshot(HubFixture.REPO, "main", PathFilter.ALL));
            assertThat(a.get()).isEqualTo(b.get());
            assertThat(f.bodyRequests()).isEqualTo(4);
            for (var e : f.files.entrySet()) assertThat(Files.readAllBytes(a.get().resolve(e.getKey()))).isEqualTo(e.getValue());
        }
    }

    static long count(FakeHub hub, String prefix) {
        return hub.requests().stream().filter(l -> l.path().startsWith(prefix)).count();
    }
}
