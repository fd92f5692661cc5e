package dev.smelt.models.serve;

/** A client error: answered with HTTP 400 and this message. */
final class BadRequest extends RuntimeException {
    BadRequest(String message) {
        super(message);
    }
}
