package dev.smelt.cli.commands;

import dev.smelt.core.SmeltException;
import dev.smelt.hub.HubSettings;
import dev.smelt.hub.RepoType;
import java.net.URI;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options shared by {@code pull} and {@code push}: where the Hub is, who we are, which kind of repository. */
public final class HubOptions {
    @Option(names = "--repo-type", paramLabel = "model|dataset", defaultValue = "model",
            description = "Repository type (default: ${DEFAULT-VALUE}).")
    String repoType;

    @Option(names = "--token", paramLabel = "TOKEN",
            description = "Hugging Face token (default: HF_TOKEN, then $HF_HOME/token). Never printed.")
    String token;

    @Option(names = "--endpoint", paramLabel = "URL", description = "Hub URL (default: HF_ENDPOINT or https://huggingface.co).")
    URI endpoint;

    @Option(names = "--cache-dir", paramLabel = "DIR", description = "Hub cache (default: HF_HUB_CACHE or $HF_HOME/hub).")
    Path cacheDir;

    RepoType type() {
        return RepoType.parse(repoType);
    }

    HubSettings settings() {
        HubSettings s = HubSettings.fromEnvironment();
        if (token != null) {
            if (token.isBlank()) throw new SmeltException("--token is empty");
            s = s.withToken(token);
        }
        if (endpoint != null) {
            String e = endpoint.toString();
            if (!(e.startsWith("http://") || e.startsWith("https://"))) {
                throw new SmeltException("--endpoint '" + e + "' is not an http(s) URL");
            }
            s = s.withEndpoint(URI.create(e.replaceAll("/+$", "")));
        }
        if (cacheDir != null) s = s.withHubCache(cacheDir.toAbsolutePath());
        return s;
    }

    /** Progress redraws in place on a terminal; when stderr is a log it gets a line every few seconds. */
    static boolean interactiveTerminal() {
        String term = System.getenv("TERM");
        return System.console() != null || (term != null && !term.equals("dumb") && System.getenv("CI") == null);
    }
}
