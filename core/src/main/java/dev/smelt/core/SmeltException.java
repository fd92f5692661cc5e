package dev.smelt.core;

/**
 * An error caused by the user's input or environment (a bad file, a missing field, a full disk).
 * The CLI prints its message as one line, without a stack trace; messages must therefore name the
 * file/field/line at fault and what was expected.
 */
public class SmeltException extends RuntimeException {
    public SmeltException(String message) {
        super(message);
    }

    public SmeltException(String message, Throwable cause) {
        super(message, cause);
    }
}
