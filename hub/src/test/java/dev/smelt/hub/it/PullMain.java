package dev.smelt.hub.it;

import dev.smelt.hub.HubClient;
import dev.smelt.hub.HubSettings;
import dev.smelt.hub.PathFilter;
import dev.smelt.hub.RetryPolicy;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** A pull in its own JVM, for the multi-process tests: args ENDPOINT CACHE REPO REV; prints the snapshot path. */
public final class PullMain {
    public static void main(String[] args) {
        HubSettings s = new HubSettings(URI.create(args[0]), Path.of(args[1]).getParent(), Path.of(args[1]), false,
                Optional.empty(), Duration.ofSeconds(20), Duration.ofSeconds(10));
        HubClient c = HubClient.builder().settings(s).maxWorkers(4)
                .retry(new RetryPolicy(5, Duration.ofMillis(50), Duration.ofMillis(500))).build();
        try {
            System.out.println(c.snapshot(args[2], args[3], PathFilter.ALL));
        } catch (RuntimeException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(1);
        }
    }
}
