package dev.smelt.datasets.format;

/** The speaker of a conversation turn, as chat templates name it. */
public enum Role {
    SYSTEM("system"), USER("user"), ASSISTANT("assistant"), TOOL("tool");

    private final String templateName;

    Role(String templateName) {
        this.templateName = templateName;
    }

    /** The name chat templates expect in {@code message.role}. */
    public String templateName() {
        return templateName;
    }
}
