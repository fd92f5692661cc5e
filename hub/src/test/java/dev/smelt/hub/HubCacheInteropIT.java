package dev.smelt.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.smelt.testkit.interop.InteropTool;
import dev.smelt.testkit.interop.NodeTools;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cache Smelt writes is read by @huggingface/hub (the Hub's own JavaScript client, an implementation
 * independent of ours), and the cache it writes is read by Smelt offline. Needs node and
 * {@code hub/interop/install.sh}; skips without them unless {@code -Dsmelt.interop.required=true}.
 */
class HubCacheInteropIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir Path tmp;
    /** node and {@code hub/interop/hub-cache.mjs} (with @huggingface/hub installed by {@code hub/interop/install.sh}). */
    @RegisterExtension
    static final InteropTool<Path[]> HUB_JS = InteropTool.of("hub interop harness", () -> {
        Path node = NodeTools.node().orElseThrow(() -> new InteropTool.Missing(NodeTools.nodeMissing()));
        Path dir = NodeTools.harness("hub/interop").orElseThrow(() -> new InteropTool.Missing(NodeTools.harnessMissing("hub/interop")));
        if (!Files.isDirectory(dir.resolve("node_modules/@huggingface/hub"))) throw new InteropTool.Missing("run " + dir.resolve("install.sh"));
        return new Path[] {node, dir.resolve("hub-cache.mjs")};
    });

    @Test
    void smeltCacheIsReadByHuggingfaceHubJs() throws Exception {
        try (HubFixture f = new HubFixture(tmp).standardFiles()) {
            f.client().snapshot(HubFixture.REPO, "main", PathFilter.ALL);
            JsonNode scan = node("scan", f.cache().toString());
            assertThat(scan.path("warnings")).isEmpty();
            assertThat(scan.path("repos")).hasSize(1);
            JsonNode repo = scan.path("repos").get(0);
            assertThat(repo.path("id").path("name").asText()).isEqualTo(HubFixture.REPO);
            assertThat(repo.path("id").path("type").asText()).isEqualTo("model");
            assertThat(repo.path("revisions")).hasSize(1);
            JsonNode rev = repo.path("revisions").get(0);
            assertThat(rev.path("commitOid").asText()).isEqualTo(f.commit);
            assertThat(rev.path("refs").get(0).asText()).isEqualTo("main");
            Path snapshot = f.cache().resolve("models--smelt-test--tiny-model/snapshots/" + f.commit);
            List<String> paths = new ArrayList<>();
            for (JsonNode file : rev.path("files")) {
                String rel = snapshot.relativize(Path.of(file.path("path").asText())).toString();
                paths.add(rel);
                byte[] want = f.files.get(rel);
                assertThat(want).as(rel).isNotNull();
                assertThat(file.path("size").asLong()).isEqualTo(want.length);
                assertThat(Path.of(file.path("blob").asText()).getParent()).isEqualTo(snapshot.getParent().getParent().resolve("blobs"));
                assertThat(Files.readAllBytes(Path.of(file.path("blob").asText()))).isEqualTo(want);
            }
            // scanCacheDir of @huggingface/hub lists the top level of a snapshot only (Python's walks it all).
            assertThat(paths).containsExactlyInAnyOrderElementsOf(
                    f.files.keySet().stream().filter(k -> !k.contains("/")).toList());
        }
    }

    @Test
    void huggingfaceHubJsCacheIsReadBySmeltAndHasTheSameLayout() throws Exception {
        try (HubFixture f = new HubFixture(tmp).standardFiles()) {
            Path jsCache = tmp.resolve("js-cache");
            JsonNode r = node("download", f.hub.endpoint().toString(), jsCache.toString(), "model", HubFixture.REPO, "main");
            Path jsSnapshot = Path.of(r.path("snapshot").asText());

            HubSettings offline = f.settings().withHubCache(jsCache).withOffline(true);
            Path fromSmelt = f.client(offline, new TransferProgress()).snapshot(HubFixture.REPO, "main", PathFilter.ALL);
            assertThat(fromSmelt).isEqualTo(jsSnapshot);
            for (var e : f.files.entrySet()) assertThat(Files.readAllBytes(fromSmelt.resolve(e.getKey()))).isEqualTo(e.getValue());

            f.hub.clearLog();
            f.client(f.settings().withHubCache(jsCache), new TransferProgress()).snapshot(HubFixture.REPO, "main", PathFilter.ALL);
            assertThat(f.bodyRequests()).as("Smelt reuses the blobs @huggingface/hub downloaded").isZero();

            f.client().snapshot(HubFixture.REPO, "main", PathFilter.ALL);
            TreeMap<String, String> smeltTree = SnapshotLayoutTest.tree(f.cache());
            smeltTree.keySet().removeIf(k -> k.startsWith(".locks/"));
            assertThat(SnapshotLayoutTest.tree(jsCache)).isEqualTo(smeltTree);
        }
    }

    private JsonNode node(String... args) throws Exception {
        Path node = HUB_JS.get()[0];
        Path script = HUB_JS.get()[1];
        List<String> cmd = new ArrayList<>(List.of(node.toString(), script.toString()));
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile(tmp, "node", ".out");
        Path err = Files.createTempFile(tmp, "node", ".err");
        Process p = new ProcessBuilder(cmd).directory(script.getParent().toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("node " + String.join(" ", args) + " timed out");
        }
        if (p.exitValue() != 0) fail("node " + String.join(" ", args) + " failed: " + Files.readString(err));
        return JSON.readTree(Files.readString(out, StandardCharsets.UTF_8));
    }
}
