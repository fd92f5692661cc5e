package dev.smelt.trainer;

import dev.smelt.core.SmeltException;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A run refused because of its settings. The message names settings as the library spells them
 * ({@code learningRate}, {@code lora.r}); a front end that knows them by other names (the CLI's
 * {@code --lr}, {@code --lora-r}) re-spells them with {@link #spelled}. Setting names are written
 * {@code {name}} in the template; {@link #getMessage} shows them bare.
 */
public final class SettingException extends SmeltException {
    private static final Pattern NAME = Pattern.compile("\\{([A-Za-z][A-Za-z0-9.]*)}");

    private final String template;

    public SettingException(String template) {
        this(template, null);
    }

    public SettingException(String template, Throwable cause) {
        super(spell(template, UnaryOperator.identity()), cause);
        this.template = template;
    }

    /** The message with every setting name replaced by {@code spelling.apply(name)}. */
    public String spelled(UnaryOperator<String> spelling) {
        return spell(template, spelling);
    }

    private static String spell(String template, UnaryOperator<String> spelling) {
        Matcher m = NAME.matcher(template);
        StringBuilder out = new StringBuilder();
        while (m.find()) m.appendReplacement(out, Matcher.quoteReplacement(spelling.apply(m.group(1))));
        m.appendTail(out);
        return out.toString();
    }
}
