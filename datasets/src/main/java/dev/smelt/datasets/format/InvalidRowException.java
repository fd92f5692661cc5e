package dev.smelt.datasets.format;

import dev.smelt.core.SmeltException;
import dev.smelt.datasets.source.RowLocation;

/** A row that cannot become a training example: {@code data.jsonl:1234: missing "output"}. */
public final class InvalidRowException extends SmeltException {
    private final RowLocation location;
    private final String reason;

    public InvalidRowException(RowLocation location, String reason) {
        super(location + ": " + reason);
        this.location = location;
        this.reason = reason;
    }

    public RowLocation location() {
        return location;
    }

    public String reason() {
        return reason;
    }
}
