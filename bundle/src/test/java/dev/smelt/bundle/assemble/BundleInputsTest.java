package dev.smelt.bundle.assemble;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BundleInputsTest {
    @TempDir
    Path tmp;

    @Test
    void aHubSnapshotBaseIsNamedByItsRepoAndRevision() throws Exception {
        String sha = "0123456789abcdef0123456789abcdef01234567";
        Path snap = Files.createDirectories(tmp.resolve("hub/models--Org--Base-1B/snapshots").resolve(sha));
        BundleRequest r = new BundleRequest(snap, null, List.of(), null, null, null, "n", "1", tmp.resolve("o.zip"), null,
                List.of(), null, List.of(), List.of(), "v", null, null);
        assertThat(BundleInputs.baseModels(r, snap)).containsExactly("Org/Base-1B");
        assertThat(BundleInputs.revision(snap)).isEqualTo(sha);
        Path local = Files.createDirectories(tmp.resolve("my-base"));
        assertThat(BundleInputs.revision(local)).isNull();
        assertThat(BundleInputs.baseModels(r, local)).containsExactly("my-base");
    }
}
