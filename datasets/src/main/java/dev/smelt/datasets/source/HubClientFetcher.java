package dev.smelt.datasets.source;

import dev.smelt.hub.HubClient;
import dev.smelt.hub.RepoId;
import dev.smelt.hub.RepoType;
import dev.smelt.hub.PathFilter;
import java.nio.file.Path;
import java.util.List;

/** Fetches {@code hf://datasets/...} sources into the Hugging Face cache with the hub module's client. */
public final class HubClientFetcher implements HubDatasetFetcher {
    private final HubClient client;

    public HubClientFetcher(HubClient client) {
        this.client = client;
    }

    @Override
    public Path fetch(HubDataUri uri) {
        List<String> filters = uri.downloadFilters();
        PathFilter filter = filters.isEmpty() ? PathFilter.ALL : new PathFilter(filters, List.of());
        return client.snapshot(RepoType.DATASET, new RepoId(uri.repo()), uri.revision(), filter);
    }
}
