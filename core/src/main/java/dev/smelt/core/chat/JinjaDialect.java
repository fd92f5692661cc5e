package dev.smelt.core.chat;

import dev.smelt.core.SmeltException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Rewrites a Hugging Face chat template (Python Jinja2, rendered by transformers with
 * {@code trim_blocks=True, lstrip_blocks=True}) into source that Jinjava evaluates the same way.
 *
 * <p>Whitespace control is resolved here, lexically and exactly as Jinja2's lexer does it
 * ({@code {%- -%}}, {@code {{- -}}}, {@code {%+ +%}}, trim_blocks, lstrip_blocks, the dropped
 * trailing newline), because Jinjava ignores {@code {{-}. The emitted template carries no whitespace
 * markers and is rendered with Jinjava's trimming switched off. Comments are dropped. Inside tags a few
 * expression forms Jinjava parses differently are rewritten: {@code True/False/None}, slices with a step
 * ({@code x[::-1]}) and keyword arguments whose value holds an operator ({@code f(a=n - 1)}).
 */
final class JinjaDialect {
    private static final Pattern END_RAW =
            Pattern.compile("\\{%([-+]?)\\s*endraw\\s*([-+]?)%\\}");
    private static final Set<String> KEYWORDS = Set.of(
            "in", "not", "and", "or", "is", "if", "else", "elif", "for", "set", "macro", "call", "with",
            "return", "recursive", "import", "from", "as", "include", "filter", "block", "extends");

    private JinjaDialect() {}

    /** The translated source and the filter names its expressions use (checked against the engine). */
    record Translation(String source, Set<String> filters) {}

    static Translation translate(String template) {
        Set<String> filters = new TreeSet<>();
        String src = template.replace("\r\n", "\n").replace('\r', '\n');
        if (src.endsWith("\n")) src = src.substring(0, src.length() - 1); // keep_trailing_newline=False
        StringBuilder out = new StringBuilder(src.length() + 64);
        int pos = 0;
        boolean lineStarting = true;
        while (pos <= src.length()) {
            int start = nextTagStart(src, pos);
            if (start < 0) {
                emitText(out, src.substring(pos));
                break;
            }
            char kind = src.charAt(start + 1);
            int p = start + 2;
            char sign = p < src.length() && (src.charAt(p) == '-' || src.charAt(p) == '+') ? src.charAt(p) : 0;
            if (sign != 0) p++;
            String text = src.substring(pos, start);
            if (sign == '-') {
                text = rstrip(text);
            } else if (sign != '+' && kind != '{') { // lstrip_blocks: block and comment tags only
                int lineStart = text.lastIndexOf('\n') + 1;
                if ((lineStart > 0 || lineStarting) && lineStart < text.length()
                        && isBlank(text.substring(lineStart))) {
                    text = text.substring(0, lineStart);
                }
            }
            emitText(out, text);

            int end = kind == '#' ? src.indexOf("#}", p) : findTagEnd(src, p, kind == '{' ? '}' : '%');
            if (end < 0) {
                throw new SmeltException("chat template line " + lineOf(src, start) + ": unclosed "
                        + (kind == '{' ? "{{" : kind == '%' ? "{%" : "{#") + " tag");
            }
            char endSign = end > p && (src.charAt(end - 1) == '-' || src.charAt(end - 1) == '+') ? src.charAt(end - 1) : 0;
            if (endSign == '+' && kind == '{') endSign = 0; // "+}}" is not a marker; the + belongs to the expression
            String body = src.substring(p, endSign != 0 ? end - 1 : end).trim();
            int after = end + 2;
            boolean trimmedNewline = false;
            if (endSign == '-') {
                int q = after;
                while (q < src.length() && Character.isWhitespace(src.charAt(q))) q++;
                trimmedNewline = q > after && src.charAt(q - 1) == '\n';
                after = q;
            } else if (kind != '{' && endSign != '+' && after < src.length() && src.charAt(after) == '\n') {
                after++; // trim_blocks
                trimmedNewline = true;
            }
            lineStarting = trimmedNewline;

            if (kind == '%' && body.equals("raw")) {
                Matcher m = END_RAW.matcher(src);
                if (!m.find(after)) {
                    throw new SmeltException("chat template line " + lineOf(src, start) + ": {% raw %} without {% endraw %}");
                }
                String raw = src.substring(after, m.start());
                if (m.group(1).equals("-")) raw = rstrip(raw);
                out.append("{% raw %}").append(raw).append("{% endraw %}");
                after = m.end();
                if (m.group(2).equals("-")) {
                    while (after < src.length() && Character.isWhitespace(src.charAt(after))) after++;
                } else if (!m.group(2).equals("+") && after < src.length() && src.charAt(after) == '\n') {
                    after++;
                }
                lineStarting = after > 0 && src.charAt(after - 1) == '\n';
            } else if (kind == '%') {
                String statement = rewriteStatement(body);
                collectFilters(statement, filters);
                out.append("{% ").append(statement).append(" %}");
            } else if (kind == '{') {
                String expression = rewriteExpression(body);
                collectFilters(expression, filters);
                // printed through Python's str(): True/False, 1.0, ['a', 1] (an undefined value prints nothing)
                out.append("{{ (").append(expression).append(")|pyprint }}");
            }
            pos = after;
        }
        return new Translation(out.toString(), filters);
    }

    private static void collectFilters(String expression, Set<String> into) {
        List<Tok> toks = tokenize(expression);
        for (int i = 0; i < toks.size(); i++) {
            if (!toks.get(i).is("|")) continue;
            int n = i + 1;
            while (n < toks.size() && toks.get(n).kind == Kind.WS) n++;
            if (n < toks.size() && toks.get(n).kind == Kind.NAME) into.add(toks.get(n).text);
        }
    }

    /** Text must not end in '{' or it would fuse with the next tag's opening brace. */
    private static void emitText(StringBuilder out, String text) {
        if (text.endsWith("{")) {
            out.append(text, 0, text.length() - 1).append("{{ '{' }}");
        } else {
            out.append(text);
        }
    }

    private static int nextTagStart(String s, int from) {
        for (int i = from; i < s.length() - 1; i++) {
            if (s.charAt(i) == '{') {
                char c = s.charAt(i + 1);
                if (c == '{' || c == '%' || c == '#') return i;
            }
        }
        return -1;
    }

    /** Index of the closing "}}" or "%}" that is not inside a string literal. */
    private static int findTagEnd(String s, int from, char closer) {
        char quote = 0;
        for (int i = from; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quote != 0) {
                if (c == '\\') i++;
                else if (c == quote) quote = 0;
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == closer && i + 1 < s.length() && s.charAt(i + 1) == '}') {
                return i;
            }
        }
        return -1;
    }

    static String rewriteStatement(String body) {
        String keyword = body.split("\\s+", 2)[0];
        // macro signatures and call blocks are parsed by Jinjava's own tag code; leave their text alone
        if (keyword.equals("macro") || keyword.equals("call") || keyword.startsWith("end")) return body;
        if (keyword.equals("generation") || keyword.equals("endgeneration")) return body;
        return rewriteExpression(body);
    }

    static String rewriteExpression(String expr) {
        String s = expr;
        for (int guard = 0; guard < 1000; guard++) {
            String next = rewriteOneStepSlice(tokenize(s));
            if (next == null) break;
            s = next;
        }
        List<Tok> toks = tokenize(s);
        pythonConstants(toks);
        return parenthesizeKeywordArguments(toks);
    }

    // ---------------------------------------------------------------- tokens

    enum Kind { WS, NAME, NUMBER, STRING, OP }

    static final class Tok {
        final Kind kind;
        String text;

        Tok(Kind kind, String text) {
            this.kind = kind;
            this.text = text;
        }

        boolean is(String op) {
            return kind == Kind.OP && text.equals(op);
        }

        @Override
        public String toString() {
            return text;
        }
    }

    static List<Tok> tokenize(String s) {
        List<Tok> toks = new ArrayList<>();
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            int j = i + 1;
            Kind kind;
            if (Character.isWhitespace(c)) {
                while (j < s.length() && Character.isWhitespace(s.charAt(j))) j++;
                kind = Kind.WS;
            } else if (Character.isLetter(c) || c == '_') {
                while (j < s.length() && (Character.isLetterOrDigit(s.charAt(j)) || s.charAt(j) == '_')) j++;
                kind = Kind.NAME;
            } else if (Character.isDigit(c)) {
                while (j < s.length() && (Character.isLetterOrDigit(s.charAt(j)) || s.charAt(j) == '.'
                        || s.charAt(j) == '_'
                        || ((s.charAt(j) == '-' || s.charAt(j) == '+') && (s.charAt(j - 1) == 'e' || s.charAt(j - 1) == 'E')))) {
                    j++;
                }
                kind = Kind.NUMBER;
            } else if (c == '\'' || c == '"') {
                while (j < s.length() && s.charAt(j) != c) {
                    if (s.charAt(j) == '\\') j++;
                    j++;
                }
                j = Math.min(j + 1, s.length());
                kind = Kind.STRING;
            } else {
                String two = i + 2 <= s.length() ? s.substring(i, i + 2) : "";
                if (Set.of("==", "!=", "<=", ">=", "//", "**").contains(two)) j = i + 2;
                kind = Kind.OP;
            }
            toks.add(new Tok(kind, s.substring(i, j)));
            i = j;
        }
        return toks;
    }

    private static String join(List<Tok> toks, int from, int to) {
        StringBuilder b = new StringBuilder();
        for (int i = from; i < to; i++) b.append(toks.get(i).text);
        return b.toString();
    }

    private static int prevSignificant(List<Tok> toks, int i) {
        int k = i - 1;
        while (k >= 0 && toks.get(k).kind == Kind.WS) k--;
        return k;
    }

    private static int matching(List<Tok> toks, int open) {
        String o = toks.get(open).text;
        String c = o.equals("(") ? ")" : o.equals("[") ? "]" : "}";
        int depth = 0;
        for (int i = open; i < toks.size(); i++) {
            Tok t = toks.get(i);
            if (t.is(o)) depth++;
            else if (t.is(c) && --depth == 0) return i;
        }
        return -1;
    }

    private static int matchingBackwards(List<Tok> toks, int close) {
        String c = toks.get(close).text;
        String o = c.equals(")") ? "(" : c.equals("]") ? "[" : "{";
        int depth = 0;
        for (int i = close; i >= 0; i--) {
            Tok t = toks.get(i);
            if (t.is(c)) depth++;
            else if (t.is(o) && --depth == 0) return i;
        }
        return -1;
    }

    /** True when the token before index i ends an operand, so a following '(' or '[' is a call or subscript. */
    private static boolean followsOperand(List<Tok> toks, int i) {
        int k = prevSignificant(toks, i);
        if (k < 0) return false;
        Tok t = toks.get(k);
        return (t.kind == Kind.NAME && !KEYWORDS.contains(t.text)) || t.kind == Kind.STRING
                || t.is(")") || t.is("]") || t.is("}");
    }

    /** Start index of the postfix expression (primary plus .attr / [..] / (..) chain) ending just before {@code i}. */
    private static int postfixStart(List<Tok> toks, int i) {
        int k = prevSignificant(toks, i);
        while (k >= 0) {
            Tok t = toks.get(k);
            int start;
            if (t.is(")") || t.is("]") || t.is("}")) {
                start = matchingBackwards(toks, k);
                if (start < 0) return k;
                if (t.is("}") || !followsOperand(toks, start)) return start; // literal dict/list/tuple or grouping
            } else if (t.kind == Kind.NAME || t.kind == Kind.STRING || t.kind == Kind.NUMBER) {
                start = k;
                int d = prevSignificant(toks, start);
                if (d >= 0 && toks.get(d).is(".")) {
                    k = prevSignificant(toks, d);
                    continue;
                }
                return start;
            } else {
                return k + 1;
            }
            k = prevSignificant(toks, start);
        }
        return 0;
    }

    /** Rewrites the first {@code x[a:b:c]} into {@code (x|pyslice(a, b, c))}; null when there is none. */
    private static String rewriteOneStepSlice(List<Tok> toks) {
        for (int i = 0; i < toks.size(); i++) {
            if (!toks.get(i).is("[") || !followsOperand(toks, i)) continue;
            int close = matching(toks, i);
            if (close < 0) return null;
            List<Integer> colons = new ArrayList<>();
            int depth = 0;
            for (int k = i + 1; k < close; k++) {
                Tok t = toks.get(k);
                if (t.is("(") || t.is("[") || t.is("{")) depth++;
                else if (t.is(")") || t.is("]") || t.is("}")) depth--;
                else if (depth == 0 && t.is(":")) colons.add(k);
            }
            if (colons.size() != 2) continue;
            int start = postfixStart(toks, i);
            String target = join(toks, start, i);
            String a = join(toks, i + 1, colons.get(0)).trim();
            String b = join(toks, colons.get(0) + 1, colons.get(1)).trim();
            String c = join(toks, colons.get(1) + 1, close).trim();
            return join(toks, 0, start) + "(" + target + "|pyslice(" + orNone(a) + ", " + orNone(b) + ", "
                    + orNone(c) + "))" + join(toks, close + 1, toks.size());
        }
        return null;
    }

    private static String orNone(String part) {
        return part.isEmpty() ? "none" : part;
    }

    private static void pythonConstants(List<Tok> toks) {
        for (int i = 0; i < toks.size(); i++) {
            Tok t = toks.get(i);
            if (t.kind != Kind.NAME || !(t.text.equals("True") || t.text.equals("False") || t.text.equals("None"))) continue;
            int p = prevSignificant(toks, i);
            if (p >= 0 && toks.get(p).is(".")) continue;
            t.text = t.text.toLowerCase(Locale.ROOT);
        }
    }

    /** {@code f(a=n - 1)} → {@code f(a=(n - 1))}: Jinjava binds a keyword argument tighter than binary operators. */
    private static String parenthesizeKeywordArguments(List<Tok> toks) {
        String[] before = new String[toks.size() + 1];
        for (int i = 0; i < toks.size(); i++) {
            if (!toks.get(i).is("(") || !followsOperand(toks, i)) continue;
            int close = matching(toks, i);
            if (close < 0) break;
            int argStart = i + 1;
            int depth = 0;
            for (int k = i + 1; k <= close; k++) {
                Tok t = toks.get(k);
                boolean argEnd = k == close || (depth == 0 && t.is(","));
                if (!argEnd) {
                    if (t.is("(") || t.is("[") || t.is("{")) depth++;
                    else if (t.is(")") || t.is("]") || t.is("}")) depth--;
                    continue;
                }
                int n = argStart;
                while (n < k && toks.get(n).kind == Kind.WS) n++;
                int eq = n + 1;
                while (eq < k && toks.get(eq).kind == Kind.WS) eq++;
                if (n < k && toks.get(n).kind == Kind.NAME && eq < k && toks.get(eq).is("=")) {
                    int v = eq + 1;
                    before[v] = (before[v] == null ? "" : before[v]) + "(";
                    before[k] = ")" + (before[k] == null ? "" : before[k]);
                }
                argStart = k + 1;
            }
        }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < toks.size(); i++) {
            if (before[i] != null) b.append(before[i]);
            b.append(toks.get(i).text);
        }
        if (before[toks.size()] != null) b.append(before[toks.size()]);
        return b.toString();
    }

    // ---------------------------------------------------------------- helpers

    static String rstrip(String s) {
        int e = s.length();
        while (e > 0 && Character.isWhitespace(s.charAt(e - 1))) e--;
        return s.substring(0, e);
    }

    private static boolean isBlank(String s) {
        for (int i = 0; i < s.length(); i++) if (!Character.isWhitespace(s.charAt(i))) return false;
        return true;
    }

    private static int lineOf(String s, int index) {
        int line = 1;
        for (int i = 0; i < index && i < s.length(); i++) if (s.charAt(i) == '\n') line++;
        return line;
    }
}
