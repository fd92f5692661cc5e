package dev.smelt.datasets.source;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.util.regex.Pattern;

/**
 * Jackson's parse errors as plain one-line reasons: no character codes, no {@code [Source: …]} locations (the
 * caller names the file and line), no token-class names. {@code Unexpected character ('}' (code 125)): was
 * expecting double-quote to start field name} becomes {@code unexpected '}', expected double-quote to start field
 * name}.
 */
final class JsonErrors {
    private static final Pattern CODE = Pattern.compile("\\s*\\(code -?\\d+\\)");
    private static final Pattern QUOTED_CHAR = Pattern.compile("\\('(.{1,8}?)'\\)");
    private static final Pattern SOURCE = Pattern.compile("\\s*\\((?:start marker|for [^(]*?starting) at \\[Source:[^\\]]*\\]\\)|\\s*at \\[Source:[^\\]]*\\]");
    private static final Pattern TOKEN = Pattern.compile("\\s*\\(JsonToken\\.[A-Z_]+\\)");

    private JsonErrors() {}

    static String plain(JsonProcessingException e) {
        String m = e.getOriginalMessage();
        if (m == null) return "invalid JSON";
        int nl = m.indexOf('\n');
        if (nl >= 0) m = m.substring(0, nl);
        m = CODE.matcher(m).replaceAll("");
        m = QUOTED_CHAR.matcher(m).replaceAll("'$1'");
        m = SOURCE.matcher(m).replaceAll("");
        m = TOKEN.matcher(m).replaceAll("");
        m = m.replace("Unexpected character '", "unexpected '")
                .replace("Unexpected end-of-input", "the JSON ends early")
                .replace(": was expecting ", ", expected ")
                .replace(" was expecting ", ", expected ")
                .replace("(JSON String, Number, Array, Object or token 'null', 'true' or 'false')", "a JSON value")
                .replace("Object entries", "fields")
                .strip();
        if (m.startsWith("Trailing token")) m = "more than one JSON value";
        if (m.endsWith(":")) m = m.substring(0, m.length() - 1);
        return m.isEmpty() ? "invalid JSON" : Character.toLowerCase(m.charAt(0)) + m.substring(1);
    }
}
