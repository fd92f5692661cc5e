package dev.smelt.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smelt.cli.Smelt;
import dev.smelt.testkit.cli.CliRunner.Result;
import dev.smelt.testkit.cli.CliRunner;
import dev.smelt.testkit.hub.FakeHub;
import dev.smelt.testkit.hub.FakeRepo;
import dev.smelt.testkit.hub.RepoKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** smelt pull / push / bench pull against the in-process loopback Hub. */
class HubCommandsTest {
    @TempDir Path tmp;

    private static final CliRunner SMELT = new CliRunner(Smelt::run);

    private static String lastLine(Result r) {
        String[] lines = r.out().strip().split("\n");
        return lines[lines.length - 1];
    }

    @Test
    void pullPrintsTheSnapshotPathLastAndPushRoundTrips() throws Exception {
        try (FakeHub hub = FakeHub.start(tmp.resolve("server"))) {
            hub.acceptToken("hf_cli_token");
            FakeRepo repo = hub.repo(RepoKind.MODEL, "org/tiny").lfsThreshold(1000);
            Map<String, byte[]> files = new LinkedHashMap<>();
            files.put("config.json", "{}".getBytes());
            files.put("model.safetensors", new byte[5000]);
            files.put("README.md", "hi".getBytes());
            String commit = repo.commitBytes("main", files, tmp.resolve("src"));
            Path cache = tmp.resolve("cache");

            Result r = SMELT.run("pull", "org/tiny@main", "--endpoint", hub.endpoint().toString(), "--cache-dir", cache.toString(),
                    "--exclude", "*.md", "--max-workers", "2");
            assertThat(r.code()).as(r.err()).isZero();
            Path snap = Path.of(lastLine(r));
            assertThat(snap).isEqualTo(cache.resolve("models--org--tiny/snapshots/" + commit));
            assertThat(Files.size(snap.resolve("model.safetensors"))).isEqualTo(5000);
            assertThat(snap.resolve("README.md")).doesNotExist();

            Result bad = SMELT.run("pull", "org/tiny@nope", "--endpoint", hub.endpoint().toString(), "--cache-dir", cache.toString());
            assertThat(bad.code()).isEqualTo(1);
            assertThat(bad.err()).isEqualTo("smelt: error: revision 'nope' not found in model 'org/tiny'\n");

            Result push = SMELT.run("push", snap.toString(), "me/copy", "--create", "--private", "-m", "copy",
                    "--endpoint", hub.endpoint().toString(), "--cache-dir", cache.toString(), "--token", "hf_cli_token");
            assertThat(push.code()).as(push.err()).isZero();
            assertThat(lastLine(push)).startsWith(hub.endpoint() + "/me/copy/commit/");
            assertThat(push.out() + push.err()).doesNotContain("hf_cli_token");
            Result again = SMELT.run("push", snap.toString(), "me/copy", "--endpoint", hub.endpoint().toString(),
                    "--token", "hf_cli_token", "-q");
            assertThat(again.code()).isZero();
            assertThat(again.err()).startsWith("nothing changed");
        }
    }

    @Test
    void benchPullPrintsTheRatio() {
        Result r = SMELT.run("bench", "pull", "--size", "8MiB", "--files", "4", "--runs", "1", "--dir", tmp.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("single-stream copy:").contains("smelt pull:");
        assertThat(lastLine(r)).matches("ratio: \\d+\\.\\d\\d");
        assertThat(BenchPullCommand.parseSize("1GiB")).isEqualTo(1L << 30);
        assertThat(BenchPullCommand.parseSize("100")).isEqualTo(100);
    }
}
