package dev.smelt.hub;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class SnapshotPathTest {
    private static final String SHA = "0123456789abcdef0123456789abcdef01234567";

    @Test
    void readsRepoTypeCommitAndFileFromACachePath() {
        SnapshotPath s = SnapshotPath.parse(Path.of("/c/hub/models--Qwen--Qwen2.5-0.5B/snapshots/" + SHA + "/sub/config.json"))
                .orElseThrow();
        assertThat(s.cache()).isEqualTo(Path.of("/c/hub"));
        assertThat(s.type()).isEqualTo(RepoType.MODEL);
        assertThat(s.repo()).isEqualTo(new RepoId("Qwen/Qwen2.5-0.5B"));
        assertThat(s.commit()).isEqualTo(SHA);
        assertThat(s.file()).isEqualTo("sub/config.json");
        assertThat(s.isSnapshotRoot()).isFalse();
        assertThat(s.snapshot()).isEqualTo(Path.of("/c/hub/models--Qwen--Qwen2.5-0.5B/snapshots/" + SHA));
    }

    @Test
    void snapshotFolderDatasetsAndBareNames() {
        SnapshotPath root = SnapshotPath.parse(Path.of("/h/models--gpt2/snapshots/" + SHA + "/")).orElseThrow();
        assertThat(root.repo().value()).isEqualTo("gpt2");
        assertThat(root.isSnapshotRoot()).isTrue();
        assertThat(root.snapshot()).isEqualTo(Path.of("/h/models--gpt2/snapshots/" + SHA));
        SnapshotPath ds = SnapshotPath.parse(Path.of("/h/datasets--org--data/snapshots/abc/train/x.parquet")).orElseThrow();
        assertThat(ds.type()).isEqualTo(RepoType.DATASET);
        assertThat(ds.repo().value()).isEqualTo("org/data");
        assertThat(ds.commit()).isEqualTo("abc");
    }

    @Test
    void pathsOutsideASnapshotAreNotParsed() {
        assertThat(SnapshotPath.parse(Path.of("/h/models--org--name/snapshots"))).isEmpty();
        assertThat(SnapshotPath.parse(Path.of("/h/models--org--name/blobs/abc"))).isEmpty();
        assertThat(SnapshotPath.parse(Path.of("/h/spaces--org--name/snapshots/abc"))).isEmpty();
        assertThat(SnapshotPath.parse(Path.of("/h/models--a--b--c/snapshots/abc"))).isEmpty();
        assertThat(SnapshotPath.parse(Path.of("/work/my-model"))).isEmpty();
    }

    @Test
    void relativePathsAreResolvedFirst() {
        Path rel = Path.of("models--org--name/snapshots/abc/../abc/config.json");
        SnapshotPath s = SnapshotPath.parse(rel).orElseThrow();
        assertThat(s.cache()).isEqualTo(Path.of("").toAbsolutePath());
        assertThat(s.file()).isEqualTo("config.json");
    }
}
