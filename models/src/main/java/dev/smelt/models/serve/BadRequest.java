package dev.smelt.models.serve;

/**
 * A client error, answered in OpenAI's shape {@code {"error": {"message", "type", "param", "code"}}}: 400
 * {@code invalid_request_error} by default, naming the request field at fault ({@code param}) where there is one.
 */
final class BadRequest extends RuntimeException {
    final int status;
    final String param;
    final String code;

    BadRequest(String message) {
        this(message, null);
    }

    BadRequest(String message, String param) {
        this(400, message, param, null);
    }

    BadRequest(int status, String message, String param, String code) {
        super(message);
        this.status = status;
        this.param = param;
        this.code = code;
    }
}
