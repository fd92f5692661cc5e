package dev.smelt.hub;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpHeaders;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {
    private static HttpHeaders headers(String k, String v) {
        return HttpHeaders.of(Map.of(k, List.of(v)), (a, b) -> true);
    }

    @Test
    void backoffDoublesUpToTheCap() {
        RetryPolicy p = new RetryPolicy(6, Duration.ofMillis(500), Duration.ofSeconds(3));
        assertThat(p.backoff(1)).isEqualTo(Duration.ofMillis(500));
        assertThat(p.backoff(2)).isEqualTo(Duration.ofSeconds(1));
        assertThat(p.backoff(4)).isEqualTo(Duration.ofSeconds(3));
    }

    @Test
    void retryAfterSecondsOrDateIsHonouredAndCapped() {
        RetryPolicy p = RetryPolicy.DEFAULT;
        assertThat(p.delayFor(1, headers("Retry-After", "7"))).isEqualTo(Duration.ofSeconds(7));
        assertThat(p.delayFor(1, headers("Retry-After", "7200"))).isEqualTo(Duration.ofMinutes(1));
        assertThat(p.delayFor(1, headers("Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT"))).isEqualTo(Duration.ZERO);
        assertThat(p.delayFor(2, headers("X-Other", "1"))).isEqualTo(p.backoff(2));
        assertThat(RetryPolicy.retryableStatus(429)).isTrue();
        assertThat(RetryPolicy.retryableStatus(404)).isFalse();
    }
}
