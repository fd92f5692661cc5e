package dev.smelt.datasets.source;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smelt.hub.HubClient;
import dev.smelt.hub.HubSettings;
import dev.smelt.testkit.hub.FakeHub;
import dev.smelt.testkit.hub.RepoKind;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code hf://datasets/...} sources fetched with the real Hub client from the loopback FakeHub. */
class HubDataSourceIT {
    @TempDir
    Path dir;

    @Test
    void globSelectsFilesOfARevisionAndRowsAreNamedByHubAddress() throws Exception {
        try (FakeHub hub = FakeHub.start(dir.resolve("server"))) {
            Map<String, byte[]> files = new LinkedHashMap<>();
            files.put("README.md", "# chats\n".getBytes(StandardCharsets.UTF_8));
            files.put("data/train-00000.jsonl", "{\"text\":\"a\"}\n{\"text\":\"b\"}\n".getBytes(StandardCharsets.UTF_8));
            files.put("data/train-00001.jsonl", "{\"text\":\"c\"}\n".getBytes(StandardCharsets.UTF_8));
            files.put("data/test-00000.jsonl", "{\"text\":\"t\"}\n".getBytes(StandardCharsets.UTF_8));
            hub.repo(RepoKind.DATASET, "acme/chats").commitBytes("main", files, dir.resolve("src"));

            HubSettings settings = new HubSettings(hub.endpoint(), dir.resolve("hf-home"), dir.resolve("hf-home/hub"), false,
                    Optional.empty(), Duration.ofSeconds(10), Duration.ofSeconds(10));
            SourceResolver resolver = new SourceResolver(new HubClientFetcher(HubClient.builder().settings(settings).build()));

            List<DataFile> resolved = resolver.resolve("hf://datasets/acme/chats/data/train-*.jsonl");
            assertThat(resolved).extracting(DataFile::displayName).containsExactly(
                    "hf://datasets/acme/chats/data/train-00000.jsonl", "hf://datasets/acme/chats/data/train-00001.jsonl");
            assertThat(resolved.get(0).path()).startsWith(dir.resolve("hf-home/hub/datasets--acme--chats"));

            List<String> rows = new ArrayList<>();
            try (RowStream stream = new RowStream(resolved, TextSampling.LINE)) {
                RawRow r;
                while ((r = stream.next()) != null) rows.add(r.location() + " " + r.value().get("text").asText());
            }
            assertThat(rows).containsExactly(
                    "hf://datasets/acme/chats/data/train-00000.jsonl:1 a",
                    "hf://datasets/acme/chats/data/train-00000.jsonl:2 b",
                    "hf://datasets/acme/chats/data/train-00001.jsonl:1 c");

            // A folder path fetches what is under it; the directory rule then reads its data files.
            assertThat(resolver.resolve("hf://datasets/acme/chats/data")).hasSize(3);
        }
    }
}
