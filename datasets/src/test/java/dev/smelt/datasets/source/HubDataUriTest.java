package dev.smelt.datasets.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HubDataUriTest {
    @Test
    void parsesRepoRevisionAndGlob() {
        HubDataUri u = HubDataUri.parse("hf://datasets/acme/chats@v2/data/train-*.parquet");
        assertThat(u.repo()).isEqualTo("acme/chats");
        assertThat(u.revision()).isEqualTo("v2");
        assertThat(u.pathGlob()).isEqualTo("data/train-*.parquet");
        assertThat(u.downloadFilters()).containsExactly("data/train-*.parquet", "data/train-*.parquet/*");
    }

    @Test
    void defaultsToMainAndWholeRepo() {
        HubDataUri u = HubDataUri.parse("hf://datasets/acme/chats");
        assertThat(u.revision()).isEqualTo("main");
        assertThat(u.pathGlob()).isEmpty();
        assertThat(u.downloadFilters()).isEmpty();
        assertThat(HubDataUri.parse("hf://datasets/acme/chats@refs%2Fpr%2F3/x.jsonl").revision()).isEqualTo("refs/pr/3");
    }

    @Test
    void rejectsModelsAndMalformedAddresses() {
        assertThatThrownBy(() -> HubDataUri.parse("hf://acme/model")).hasMessageContaining("hf://datasets/");
        assertThatThrownBy(() -> HubDataUri.parse("hf://datasets/acme")).hasMessageContaining("expected hf://datasets/");
        assertThatThrownBy(() -> HubDataUri.parse("hf://datasets/acme/x@/a")).hasMessageContaining("empty");
    }

    @Test
    void resolvesThroughTheFetcherAndNamesFilesByTheirHubAddress(@TempDir Path snapshot) throws IOException {
        Files.createDirectories(snapshot.resolve("data"));
        Files.writeString(snapshot.resolve("data/train-0.jsonl"), "{}\n");
        Files.writeString(snapshot.resolve("data/train-1.jsonl"), "{}\n");
        Files.writeString(snapshot.resolve("README.md"), "# card\n");
        HubDataUri[] asked = new HubDataUri[1];
        SourceResolver resolver = new SourceResolver(uri -> {
            asked[0] = uri;
            return snapshot;
        });
        List<DataFile> files = resolver.resolve("hf://datasets/acme/chats@v1/data/*.jsonl");
        assertThat(asked[0]).isEqualTo(new HubDataUri("acme/chats", "v1", "data/*.jsonl"));
        assertThat(files).extracting(DataFile::displayName)
                .containsExactly("hf://datasets/acme/chats/data/train-0.jsonl", "hf://datasets/acme/chats/data/train-1.jsonl");
        assertThat(resolver.resolve("hf://datasets/acme/chats")).hasSize(2);
    }

    @Test
    void hubAddressesNeedAFetcher() {
        assertThatThrownBy(() -> new SourceResolver(null).resolve("hf://datasets/a/b")).hasMessageContaining("not available");
    }
}
