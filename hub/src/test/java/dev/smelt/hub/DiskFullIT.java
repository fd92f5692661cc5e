package dev.smelt.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.smelt.core.SmeltException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real full disk: the cache on a 512 KiB tmpfs (needs root to mount; skipped otherwise). */
class DiskFullIT {
    @TempDir Path tmp;
    private Path mount;

    @BeforeEach
    void mountTinyFilesystem() throws Exception {
        mount = Files.createDirectories(tmp.resolve("tiny"));
        Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", mount.toString())
                .redirectErrorStream(true).start();
        boolean ok = p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        if (!ok) mount = null;
        assumeTrue(ok, "cannot mount a tmpfs here (not root?)");
    }

    @AfterEach
    void unmount() throws Exception {
        if (mount != null) new ProcessBuilder("umount", mount.toString()).start().waitFor(10, TimeUnit.SECONDS);
    }

    @Test
    void fullDiskIsReportedAndThePartialDownloadKept() throws Exception {
        try (HubFixture f = new HubFixture(tmp)) {
            byte[] big = HubFixture.random(new Random(9), 1 << 20);
            f.repo.commitBytes("main", Map.of("weights.safetensors", big), tmp.resolve("src"));
            HubSettings s = f.settings().withHubCache(mount.resolve("hub"));

            HubClient checked = HubClient.builder().settings(s).retry(HubFixture.FAST_RETRY).build();
            assertThatThrownBy(() -> checked.snapshot(HubFixture.REPO, "main", PathFilter.ALL))
                    .isInstanceOf(SmeltException.class).hasMessageStartingWith("not enough disk space in " + mount);

            HubClient unchecked = HubClient.builder().settings(s).retry(HubFixture.FAST_RETRY).diskSpace(d -> Long.MAX_VALUE).build();
            assertThatThrownBy(() -> unchecked.snapshot(HubFixture.REPO, "main", PathFilter.ALL))
                    .isInstanceOf(SmeltException.class)
                    .hasMessageStartingWith("disk full while writing " + mount)
                    .hasMessageContaining("resumed");
            String sha = SnapshotLayoutTest.sha256(big);
            Path blobs = mount.resolve("hub/models--smelt-test--tiny-model/blobs");
            assertThat(blobs.resolve(sha)).doesNotExist();
            assertThat(blobs.resolve(sha + ".incomplete")).exists();
            try (var snaps = Files.walk(mount.resolve("hub/models--smelt-test--tiny-model/snapshots"))) {
                assertThat(snaps.filter(Files::isRegularFile)).isEmpty();
            }
        }
    }
}
