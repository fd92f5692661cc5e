package dev.smelt.hub.internal.http;

import dev.smelt.core.SmeltException;
import dev.smelt.hub.HubSettings;
import dev.smelt.hub.RetryPolicy;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The HTTP side of the Hub protocol: one shared {@link HttpClient} (HTTP/1.1, one connection per parallel
 * transfer), the bearer token attached only to requests for the endpoint's own host (never to a CDN it
 * redirects to), redirects followed by hand, retries per {@link RetryPolicy}, errors mapped by {@link HubErrors}.
 */
public final class HubHttp {
    public static final String USER_AGENT = "smelt/0.1; java/" + Runtime.version().feature();
    private static final int MAX_REDIRECTS = 10;

    private final HubSettings settings;
    private final HttpClient client;
    private final RetryPolicy retry;

    public HubHttp(HubSettings settings, RetryPolicy retry) {
        this.settings = settings;
        this.retry = retry;
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofSeconds(10))
                .build();
    }

    public HttpClient client() {
        return client;
    }

    public HubSettings settings() {
        return settings;
    }

    public RetryPolicy retry() {
        return retry;
    }

    /** A response read fully into memory (API calls, HEAD, small uploads). */
    public record Response(int status, HttpHeaders headers, byte[] body, URI uri) {}

    /** Builds a request for {@code uri}, with the token only if {@code uri} is on the endpoint's host and port. */
    public HttpRequest.Builder request(URI uri, Duration timeout) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(timeout).header("User-Agent", USER_AGENT);
        if (sameAuthority(uri, settings.endpoint())) {
            settings.token().ifPresent(tok -> b.header("Authorization", "Bearer " + tok));
        }
        return b;
    }

    public boolean tokenSentTo(URI uri) {
        return settings.token().isPresent() && sameAuthority(uri, settings.endpoint());
    }

    public static boolean sameAuthority(URI a, URI b) {
        return Objects.equals(a.getScheme(), b.getScheme()) && Objects.equals(a.getHost(), b.getHost())
                && port(a) == port(b);
    }

    private static int port(URI u) {
        if (u.getPort() >= 0) return u.getPort();
        return "https".equals(u.getScheme()) ? 443 : 80;
    }

    public enum Redirects { FOLLOW, RELATIVE_ONLY }

    /**
     * Sends a request built by {@code body} (may be null) with retries, follows redirects, and returns the
     * final response if it is 2xx (or a 3xx not followed); throws {@link HubHttpException} otherwise.
     * {@code idempotent=false} limits retries to failures that prove the server did not act (connect errors, 429).
     */
    public Response send(String method, URI uri, Supplier<BodyPublisher> body, Map<String, String> headers,
            RequestTarget target, Redirects redirects, boolean idempotent) throws IOException {
        ensureOnline(uri);
        for (int attempt = 1; ; attempt++) {
            try {
                Response r = sendFollowing(method, uri, body, headers, redirects);
                if (r.status() < 400) return r;
                boolean retryable = idempotent ? RetryPolicy.retryableStatus(r.status()) : r.status() == 429;
                if (retryable && attempt < retry.maxAttempts()) {
                    RetryPolicy.sleep(retry.delayFor(attempt, r.headers()));
                    continue;
                }
                throw HubErrors.toException(r.status(), r.headers(), r.body(), target, settings.endpointUrl(),
                        tokenSentTo(r.uri()));
            } catch (InterruptedIOException e) {
                throw e;
            } catch (IOException e) {
                boolean retryable = idempotent || e instanceof ConnectException;
                if (!retryable || attempt >= retry.maxAttempts()) throw unreachable(uri, e);
                RetryPolicy.sleep(retry.backoff(attempt));
            }
        }
    }

    public Response get(URI uri, RequestTarget target) throws IOException {
        return send("GET", uri, null, Map.of(), target, Redirects.FOLLOW, true);
    }

    private Response sendFollowing(String method, URI uri, Supplier<BodyPublisher> body, Map<String, String> headers,
            Redirects redirects) throws IOException {
        URI current = uri;
        String m = method;
        for (int hop = 0; ; hop++) {
            // Until the response headers arrive; an upload's body is sent within that time, hence the long one.
            boolean hasBody = body != null && !m.equals("GET") && !m.equals("HEAD");
            HttpRequest.Builder b = request(current, hasBody ? Duration.ofHours(2) : settings.metadataTimeout().plusSeconds(50));
            headers.forEach(b::header);
            BodyPublisher p = body == null || m.equals("GET") || m.equals("HEAD")
                    ? HttpRequest.BodyPublishers.noBody() : body.get();
            b.method(m, p);
            HttpResponse<byte[]> r;
            try {
                r = client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted during " + m + " " + current);
            }
            int s = r.statusCode();
            boolean redirect = s == 301 || s == 302 || s == 303 || s == 307 || s == 308;
            if (!redirect || hop >= MAX_REDIRECTS) return new Response(s, r.headers(), r.body(), current);
            String loc = r.headers().firstValue("Location").orElse(null);
            if (loc == null) return new Response(s, r.headers(), r.body(), current);
            URI next = current.resolve(loc);
            if (redirects == Redirects.RELATIVE_ONLY && !sameAuthority(next, current)) {
                return new Response(s, r.headers(), r.body(), current);
            }
            if (s == 303) m = "GET";
            current = next;
        }
    }

    public void ensureOnline(URI uri) {
        if (settings.offline()) {
            throw new SmeltException("HF_HUB_OFFLINE is set: not contacting " + uri.getHost()
                    + "; only files already in the cache " + settings.hubCache() + " can be used");
        }
    }

    public SmeltException unreachable(URI uri, IOException e) {
        String why = e instanceof HttpTimeoutException ? "timed out"
                : e instanceof ConnectException ? "connection refused" : Objects.toString(e.getMessage(), e.getClass().getSimpleName());
        return new SmeltException("cannot reach " + uri.getScheme() + "://" + uri.getAuthority() + " (" + why
                + ") after " + retry.maxAttempts() + " attempts; set HF_HUB_OFFLINE=1 to use cached files only", e);
    }
}
