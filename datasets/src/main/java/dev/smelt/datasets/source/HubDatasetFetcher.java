package dev.smelt.datasets.source;

import java.nio.file.Path;

/** Downloads (or finds in the cache) the files of a Hub dataset repo that an address names; returns the snapshot root. */
@FunctionalInterface
public interface HubDatasetFetcher {
    Path fetch(HubDataUri uri);
}
