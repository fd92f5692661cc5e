package dev.smelt.testkit.hub;

/**
 * A misbehaviour {@link FakeHub} applies to the next matching request(s): an error status (optionally with
 * {@code Retry-After}), a connection dropped after some body bytes, a body with one byte flipped, or a body
 * trickled at a fixed rate. Status faults match a substring of the request path; body faults match the
 * repository path of the file being served.
 */
public record Fault(Kind kind, String match, long arg, int retryAfterSeconds) {
    public enum Kind { STATUS, DROP_AFTER, CORRUPT, SLOW }

    public static Fault status(String pathContains, int code) {
        return new Fault(Kind.STATUS, pathContains, code, -1);
    }

    public static Fault tooManyRequests(String pathContains, int retryAfterSeconds) {
        return new Fault(Kind.STATUS, pathContains, 429, retryAfterSeconds);
    }

    public static Fault dropAfter(String file, long bytes) {
        return new Fault(Kind.DROP_AFTER, file, bytes, -1);
    }

    public static Fault corrupt(String file) {
        return new Fault(Kind.CORRUPT, file, 0, -1);
    }

    public static Fault slow(String file, long bytesPerSecond) {
        return new Fault(Kind.SLOW, file, bytesPerSecond, -1);
    }
}
