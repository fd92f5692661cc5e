package dev.smelt.datasets.format;

import dev.smelt.core.SmeltException;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The names {@code --format} accepts. */
public enum FormatName {
    MESSAGES("messages"), SHAREGPT("sharegpt"), ALPACA("alpaca"), PROMPT_COMPLETION("prompt-completion"), TEXT("text");

    private final String cliName;

    FormatName(String cliName) {
        this.cliName = cliName;
    }

    public String cliName() {
        return cliName;
    }

    public static FormatName parse(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT).replace('_', '-');
        for (FormatName f : values()) {
            if (f.cliName.equals(n)) return f;
        }
        throw new SmeltException("--format: unknown format '" + name + "' (expected one of "
                + Arrays.stream(values()).map(FormatName::cliName).collect(Collectors.joining(", ")) + ")");
    }

    @Override
    public String toString() {
        return cliName;
    }
}
