package dev.smelt.converter.gguf.vocab;

/**
 * A GGUF metadata key with one placeholder, spelled as gguf-py spells it: {@code {arch}.context_length},
 * {@code general.base_model.{id}.name}, {@code tokenizer.chat_template.{name}}. {@link #of} fills it in.
 */
public record KeyTemplate(String template) {
    public KeyTemplate {
        int open = template.indexOf('{');
        int close = template.indexOf('}');
        if (open < 0 || close < open || template.indexOf('{', open + 1) >= 0) {
            throw new IllegalArgumentException("a key template needs exactly one {placeholder}: " + template);
        }
    }

    /** The key for an architecture name ({@code qwen35}), a name, or any other string the placeholder stands for. */
    public String of(String value) {
        return template.substring(0, template.indexOf('{')) + value + template.substring(template.indexOf('}') + 1);
    }

    /** The key for an index ({@code general.base_model.0.name}). */
    public String of(int index) {
        return of(Integer.toString(index));
    }

    @Override
    public String toString() {
        return template;
    }
}
