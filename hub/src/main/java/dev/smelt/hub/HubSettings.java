package dev.smelt.hub;

import dev.smelt.core.SmeltException;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Where the Hub is and where its files go, read from the same environment variables as huggingface_hub
 * ({@code HF_ENDPOINT}, {@code HF_HOME}, {@code HF_HUB_CACHE}, {@code HF_HUB_OFFLINE}, {@code HF_TOKEN},
 * {@code HF_TOKEN_PATH}, {@code HF_HUB_DOWNLOAD_TIMEOUT}, {@code HF_HUB_ETAG_TIMEOUT}) with the same defaults.
 * The token is kept out of {@link #toString()} so it cannot leak into logs.
 */
public record HubSettings(
        URI endpoint,
        Path hfHome,
        Path hubCache,
        boolean offline,
        Optional<String> token,
        Duration downloadTimeout,
        Duration metadataTimeout) {

    public static final String DEFAULT_ENDPOINT = "https://huggingface.co";
    private static final Set<String> TRUE_VALUES = Set.of("1", "ON", "YES", "TRUE");

    public HubSettings {
        token = token.map(String::strip).filter(t -> !t.isEmpty());
    }

    /** Settings of this process: {@code System.getenv()} and the user's home directory. */
    public static HubSettings fromEnvironment() {
        return fromEnvironment(System.getenv(), Path.of(System.getProperty("user.home")));
    }

    public static HubSettings fromEnvironment(Map<String, String> env, Path userHome) {
        String endpoint = nonBlank(env.get("HF_ENDPOINT")).orElse(DEFAULT_ENDPOINT);
        while (endpoint.endsWith("/")) endpoint = endpoint.substring(0, endpoint.length() - 1);
        URI uri;
        try {
            uri = URI.create(endpoint);
        } catch (IllegalArgumentException e) {
            throw new SmeltException("HF_ENDPOINT '" + endpoint + "' is not a URL: " + e.getMessage());
        }
        if (uri.getScheme() == null || uri.getHost() == null
                || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))) {
            throw new SmeltException("HF_ENDPOINT '" + endpoint + "' is not an http(s) URL");
        }
        Path xdgCache = nonBlank(env.get("XDG_CACHE_HOME")).map(p -> expand(p, userHome))
                .orElse(userHome.resolve(".cache"));
        Path hfHome = nonBlank(env.get("HF_HOME")).map(p -> expand(p, userHome)).orElse(xdgCache.resolve("huggingface"));
        Path hubCache = nonBlank(env.get("HF_HUB_CACHE")).or(() -> nonBlank(env.get("HUGGINGFACE_HUB_CACHE")))
                .map(p -> expand(p, userHome)).orElse(hfHome.resolve("hub"));
        boolean offline = isTrue(env.get("HF_HUB_OFFLINE")) || isTrue(env.get("TRANSFORMERS_OFFLINE"));
        Path tokenPath = nonBlank(env.get("HF_TOKEN_PATH")).map(p -> expand(p, userHome)).orElse(hfHome.resolve("token"));
        Optional<String> token = nonBlank(env.get("HF_TOKEN")).or(() -> nonBlank(env.get("HUGGING_FACE_HUB_TOKEN")))
                .or(() -> readToken(tokenPath));
        return new HubSettings(uri, hfHome, hubCache, offline, token,
                seconds(env, "HF_HUB_DOWNLOAD_TIMEOUT", 10), seconds(env, "HF_HUB_ETAG_TIMEOUT", 10));
    }

    public HubSettings withToken(String explicitToken) {
        return new HubSettings(endpoint, hfHome, hubCache, offline, Optional.ofNullable(explicitToken),
                downloadTimeout, metadataTimeout);
    }

    public HubSettings withHubCache(Path cache) {
        return new HubSettings(endpoint, hfHome, cache, offline, token, downloadTimeout, metadataTimeout);
    }

    public HubSettings withOffline(boolean off) {
        return new HubSettings(endpoint, hfHome, hubCache, off, token, downloadTimeout, metadataTimeout);
    }

    public HubSettings withEndpoint(URI uri) {
        return new HubSettings(uri, hfHome, hubCache, offline, token, downloadTimeout, metadataTimeout);
    }

    /**
     * These settings with a command line's {@code --token}, {@code --endpoint} and {@code --cache-dir} on top (each null when
     * not given); a blank token or an endpoint that is not an http(s) URL is refused in one line naming the flag.
     */
    public HubSettings withFlags(String token, URI endpoint, Path cacheDir) {
        HubSettings s = this;
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

    public HubSettings withDownloadTimeout(Duration d) {
        return new HubSettings(endpoint, hfHome, hubCache, offline, token, d, metadataTimeout);
    }

    /** The endpoint without trailing slash, e.g. {@code https://huggingface.co}. */
    public String endpointUrl() {
        String s = endpoint.toString();
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    @Override
    public String toString() {
        return "HubSettings[endpoint=" + endpoint + ", hfHome=" + hfHome + ", hubCache=" + hubCache
                + ", offline=" + offline + ", token=" + (token.isPresent() ? "<set>" : "<none>") + "]";
    }

    private static Optional<String> readToken(Path tokenPath) {
        if (!Files.isRegularFile(tokenPath)) return Optional.empty();
        try {
            return nonBlank(Files.readString(tokenPath, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new SmeltException("cannot read the Hugging Face token file " + tokenPath + ": " + e.getMessage());
        }
    }

    private static Duration seconds(Map<String, String> env, String name, long dflt) {
        Optional<String> v = nonBlank(env.get(name));
        if (v.isEmpty()) return Duration.ofSeconds(dflt);
        try {
            double s = Double.parseDouble(v.get());
            if (s <= 0) throw new NumberFormatException();
            return Duration.ofMillis((long) (s * 1000));
        } catch (NumberFormatException e) {
            throw new SmeltException(name + "='" + v.get() + "': expected a positive number of seconds");
        }
    }

    private static boolean isTrue(String v) {
        return v != null && TRUE_VALUES.contains(v.strip().toUpperCase(Locale.ROOT));
    }

    private static Optional<String> nonBlank(String v) {
        return v == null || v.isBlank() ? Optional.empty() : Optional.of(v.strip());
    }

    private static Path expand(String p, Path userHome) {
        if (p.equals("~")) return userHome;
        if (p.startsWith("~/")) return userHome.resolve(p.substring(2));
        return Path.of(p);
    }
}
