package dev.smelt.cli.commands;

import dev.smelt.hub.HubSettings;
import dev.smelt.hub.RepoType;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
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
        return HubSettings.fromEnvironment().withFlags(token, endpoint, cacheDir);
    }

    /** Progress redraws in place on a terminal; when stderr is a log it gets a line every few seconds. */
    /**
     * Whether progress may redraw one line with carriage returns: stderr must be a terminal. On Linux that is read
     * from /proc/self/fd/2 (System.console() also requires stdin and stdout to be terminals, and TERM is set even when
     * stderr goes to a pipe or a log file); elsewhere System.console() decides.
     */
    static boolean interactiveTerminal() {
        if (System.getenv("CI") != null) return false;
        Path stderr = Path.of("/proc/self/fd/2");
        try {
            String target = Files.readSymbolicLink(stderr).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        } catch (IOException | UnsupportedOperationException e) {
            return System.console() != null;
        }
    }
}
