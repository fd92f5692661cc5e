package dev.smelt.datasets.format;

import java.util.List;

/**
 * One message of a conversation. {@code images} are the image parts of its content in order, as the data names them
 * (paths relative to the data file); each stands in {@code content} as one {@link #IMAGE} character, which rendering
 * replaces by what the model's chat template writes for an image part.
 */
public record Turn(Role role, String content, List<String> images) {
    /** Marks where an image part was in {@code content} (U+FFFC OBJECT REPLACEMENT CHARACTER). */
    public static final char IMAGE = '\uFFFC';

    public Turn {
        images = List.copyOf(images);
    }

    public Turn(Role role, String content) {
        this(role, content, List.of());
    }

    public static Turn system(String content) {
        return new Turn(Role.SYSTEM, content);
    }

    public static Turn user(String content) {
        return new Turn(Role.USER, content);
    }

    public static Turn assistant(String content) {
        return new Turn(Role.ASSISTANT, content);
    }
}
