package dev.smelt.hub;

import java.io.InterruptedIOException;
import java.net.http.HttpHeaders;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * When to try a request again: connection resets and stalls, 429 (honouring {@code Retry-After}) and 5xx,
 * with exponential backoff capped at {@code maxDelay}.
 */
public record RetryPolicy(int maxAttempts, Duration baseDelay, Duration maxDelay) {
    public static final RetryPolicy DEFAULT = new RetryPolicy(6, Duration.ofMillis(500), Duration.ofSeconds(16));

    public static boolean retryableStatus(int status) {
        return status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
    }

    /** Delay before attempt {@code attempt+1} (attempt counts from 1). */
    public Duration backoff(int attempt) {
        long ms = baseDelay.toMillis() << Math.min(attempt - 1, 20);
        return Duration.ofMillis(Math.min(ms, maxDelay.toMillis()));
    }

    /** The delay the server asked for, capped at one minute; else the backoff. */
    public Duration delayFor(int attempt, HttpHeaders headers) {
        return retryAfter(headers).map(d -> d.compareTo(Duration.ofMinutes(1)) > 0 ? Duration.ofMinutes(1) : d)
                .orElse(backoff(attempt));
    }

    static Optional<Duration> retryAfter(HttpHeaders headers) {
        Optional<String> v = headers.firstValue("Retry-After");
        if (v.isEmpty()) return Optional.empty();
        String s = v.get().strip();
        try {
            return Optional.of(Duration.ofMillis((long) (Double.parseDouble(s) * 1000)));
        } catch (NumberFormatException e) {
            try {
                ZonedDateTime when = ZonedDateTime.parse(s, DateTimeFormatter.RFC_1123_DATE_TIME);
                Duration d = Duration.between(ZonedDateTime.now(when.getZone()), when);
                return Optional.of(d.isNegative() ? Duration.ZERO : d);
            } catch (DateTimeParseException e2) {
                return Optional.empty();
            }
        }
    }

    public static void sleep(Duration d) throws InterruptedIOException {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted");
        }
    }
}
