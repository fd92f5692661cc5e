package dev.smelt.recipe.format;

/** Where a value came from: a recipe file's line and column (1-based), or a {@code --set} override. */
public record Location(String source, int line, int column) {
    /** A value given on the command line, e.g. {@code --set train.lora.r=32}; it has no line or column. */
    public static Location override(String assignment) {
        return new Location("--set " + assignment, 0, 0);
    }

    @Override
    public String toString() {
        return line > 0 ? source + ":" + line + ":" + column : source;
    }
}
