package dev.smelt.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smelt.core.SmeltException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cache a pull leaves is exactly the huggingface_hub layout, built here by hand and compared entry by entry. */
class SnapshotLayoutTest {
    @TempDir Path tmp;

    @Test
    void pulledSnapshotHasTheHuggingfaceHubLayout() throws Exception {
        try (HubFixture f = new HubFixture(tmp).standardFiles()) {
            Path snapshot = f.client().snapshot(HubFixture.REPO, "main", PathFilter.ALL);

            String c = f.commit;
            String cfg = gitSha1(f.files.get("config.json"));
            String tok = gitSha1(f.files.get("tokenizer.json"));
            String model = sha256(f.files.get("model.safetensors"));
            String extra = sha256(f.files.get("sub/dir/extra.safetensors"));
            String repoDir = "models--smelt-test--tiny-model";
            TreeMap<String, String> expected = new TreeMap<>();
            for (String etag : List.of(cfg, tok, model, extra)) {
                expected.put(".locks/" + repoDir + "/" + etag + ".lock", "file");
                expected.put(repoDir + "/blobs/" + etag, "file");
            }
            expected.put(repoDir + "/refs/main", "file:" + c);
            String snap = repoDir + "/snapshots/" + c + "/";
            expected.put(snap + "config.json", "link:../../blobs/" + cfg);
            expected.put(snap + "tokenizer.json", "link:../../blobs/" + tok);
            expected.put(snap + "model.safetensors", "link:../../blobs/" + model);
            expected.put(snap + "copy/model.safetensors", "link:../../../blobs/" + model);
            expected.put(snap + "sub/dir/extra.safetensors", "link:../../../../blobs/" + extra);

            assertThat(tree(f.cache())).isEqualTo(expected);
            assertThat(snapshot).isEqualTo(f.cache().resolve(repoDir).resolve("snapshots").resolve(c));
            for (var e : f.files.entrySet()) {
                assertThat(Files.readAllBytes(snapshot.resolve(e.getKey()))).as(e.getKey()).isEqualTo(e.getValue());
            }
        }
    }

    @Test
    void secondPullTransfersNoFileBodiesAndOfflineResolvesBranchThroughRefs() throws Exception {
        try (HubFixture f = new HubFixture(tmp).standardFiles()) {
            Path first = f.client().snapshot(HubFixture.REPO, "main", PathFilter.ALL);
            long firstBodies = f.bodyRequests();
            assertThat(firstBodies).isEqualTo(4); // the duplicate is not fetched twice
            f.hub.clearLog();

            Path second = f.client().snapshot(HubFixture.REPO, "main", PathFilter.ALL);
            assertThat(second).isEqualTo(first);
            assertThat(f.bodyRequests()).isZero();
            assertThat(f.hub.requests()).hasSize(1).allMatch(l -> l.path().startsWith("/api/models/"));

            f.hub.close(); // offline must not need the server at all
            HubClient offline = f.client(f.settings().withOffline(true), new TransferProgress());
            assertThat(offline.snapshot(HubFixture.REPO, "main", PathFilter.ALL)).isEqualTo(first);
            assertThat(offline.snapshot(HubFixture.REPO, f.commit, PathFilter.ALL)).isEqualTo(first);
            assertThatThrownBy(() -> offline.snapshot(HubFixture.REPO, "dev", PathFilter.ALL))
                    .isInstanceOf(SmeltException.class).hasMessageContaining("HF_HUB_OFFLINE")
                    .hasMessageContaining("'dev'");
        }
    }

    @Test
    void filtersSelectFilesLikeAllowAndIgnorePatterns() throws Exception {
        try (HubFixture f = new HubFixture(tmp).standardFiles()) {
            Path snap = f.client().snapshot(HubFixture.REPO, "main",
                    new PathFilter(List.of("*.json", "sub/"), List.of("tokenizer*")));
            assertThat(Files.exists(snap.resolve("config.json"))).isTrue();
            assertThat(Files.exists(snap.resolve("sub/dir/extra.safetensors"))).isTrue();
            assertThat(Files.exists(snap.resolve("tokenizer.json"))).isFalse();
            assertThat(Files.exists(snap.resolve("model.safetensors"))).isFalse();
        }
    }

    @Test
    void singleFileDownloadAndNoExistMarker() throws Exception {
        try (HubFixture f = new HubFixture(tmp).standardFiles()) {
            HubClient c = f.client();
            Path p = c.file(RepoType.MODEL, new RepoId(HubFixture.REPO), "main", "sub/dir/extra.safetensors");
            assertThat(Files.readAllBytes(p)).isEqualTo(f.files.get("sub/dir/extra.safetensors"));
            assertThat(Files.readSymbolicLink(p).toString()).isEqualTo("../../../../blobs/" + sha256(f.files.get("sub/dir/extra.safetensors")));
            assertThatThrownBy(() -> c.file(RepoType.MODEL, new RepoId(HubFixture.REPO), "main", "missing.bin"))
                    .hasMessage("file 'missing.bin' not found in model 'smelt-test/tiny-model' at revision 'main'");
            Path marker = f.cache().resolve("models--smelt-test--tiny-model/.no_exist/" + f.commit + "/missing.bin");
            assertThat(marker).exists();
        }
    }

    static TreeMap<String, String> tree(Path root) throws IOException {
        TreeMap<String, String> out = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.toList()) {
                if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) continue;
                String rel = root.relativize(p).toString();
                if (Files.isSymbolicLink(p)) out.put(rel, "link:" + Files.readSymbolicLink(p));
                else if (rel.contains("/refs/")) out.put(rel, "file:" + Files.readString(p, StandardCharsets.UTF_8));
                else out.put(rel, "file");
            }
        }
        return out;
    }

    static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    static String gitSha1(byte[] b) throws Exception {
        MessageDigest d = MessageDigest.getInstance("SHA-1");
        d.update(("blob " + b.length + "\0").getBytes(StandardCharsets.US_ASCII));
        return HexFormat.of().formatHex(d.digest(b));
    }
}
