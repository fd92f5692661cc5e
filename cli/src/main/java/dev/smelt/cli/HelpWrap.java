package dev.smelt.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.IHelpSectionRenderer;
import picocli.CommandLine.Model.UsageMessageSpec;

/**
 * Help text wrapped at word boundaries. picocli's own wrapping breaks inside words at punctuation
 * ({@code generation_config.} / {@code json}, {@code e.} / {@code g.}); so picocli lays help out on lines too long to
 * wrap, and every section is then wrapped here, at spaces only: a line breaks before the word that would pass the
 * width, and continues under the start of its text (an option's or subcommand's description, the synopsis's first
 * option) or, for plain paragraphs, at the line's own indent. A word longer than a line stays whole.
 */
public final class HelpWrap {
    /** The width help is wrapped to. */
    public static final int WIDTH = 80;
    private static final int UNWRAPPED = 4000;

    private HelpWrap() {}

    /** Installs the wrapping on {@code cl} and every subcommand below it. */
    public static void install(CommandLine cl) {
        cl.setUsageHelpWidth(UNWRAPPED);
        wrapSections(cl);
    }

    private static void wrapSections(CommandLine cl) {
        Map<String, IHelpSectionRenderer> wrapped = new LinkedHashMap<>();
        for (Map.Entry<String, IHelpSectionRenderer> e : cl.getHelpSectionMap().entrySet()) {
            IHelpSectionRenderer original = e.getValue();
            if (e.getKey().equals(UsageMessageSpec.SECTION_KEY_COMMAND_LIST)) {
                wrapped.put(e.getKey(), help -> wrap(commandList(cl), WIDTH));
            } else if (e.getKey().equals(UsageMessageSpec.SECTION_KEY_SYNOPSIS)) {
                wrapped.put(e.getKey(), help -> synopsis(original.render(help), help.commandSpec().qualifiedName()));
            } else {
                wrapped.put(e.getKey(), help -> wrap(original.render(help), WIDTH));
            }
        }
        cl.setHelpSectionMap(wrapped);
        for (CommandLine sub : cl.getSubcommands().values()) wrapSections(sub);
    }

    /**
     * One row per subcommand: its name and the first sentence of its description (descriptions are paragraphs,
     * which picocli's list would show whole).
     */
    static String commandList(CommandLine cl) {
        Map<String, CommandLine> subs = cl.getSubcommands();
        if (subs.isEmpty()) return "";
        int nameWidth = 0;
        for (Map.Entry<String, CommandLine> e : subs.entrySet()) {
            if (!e.getValue().getCommandSpec().usageMessage().hidden()) nameWidth = Math.max(nameWidth, e.getKey().length());
        }
        StringBuilder out = new StringBuilder();
        for (Map.Entry<String, CommandLine> e : subs.entrySet()) {
            UsageMessageSpec usage = e.getValue().getCommandSpec().usageMessage();
            if (usage.hidden()) continue;
            String[] lines = usage.header().length > 0 ? usage.header() : usage.description();
            String summary = lines.length == 0 ? "" : firstSentence(lines[0]);
            out.append("  ").append(e.getKey()).append(" ".repeat(nameWidth - e.getKey().length() + 2)).append(summary).append('\n');
        }
        return out.toString();
    }

    static String firstSentence(String text) {
        int end = text.indexOf(". ");
        return end < 0 ? text.strip() : text.substring(0, end + 1);
    }

    /** The synopsis follows the "Usage: " heading on its line; continuation lines start under its first option. */
    static String synopsis(String text, String qualifiedName) {
        String heading = " ".repeat("Usage: ".length());
        StringBuilder out = new StringBuilder();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            if (i > 0) out.append('\n');
            String line = i == 0 ? heading + lines[i] : lines[i];
            int hang = i == 0 ? Math.min(heading.length() + qualifiedName.length() + 1, WIDTH / 2) : hangingIndent(line);
            StringBuilder one = new StringBuilder();
            wrapLine(line, WIDTH, hang, one);
            out.append(i == 0 ? one.substring(heading.length()) : one);
        }
        return out.toString();
    }

    /** Wraps every line of {@code text} longer than {@code width}. */
    public static String wrap(String text, int width) {
        StringBuilder out = new StringBuilder(text.length() + 64);
        int from = 0;
        while (from < text.length()) {
            int nl = text.indexOf('\n', from);
            int end = nl < 0 ? text.length() : nl;
            String line = text.substring(from, end);
            wrapLine(line, width, hangingIndent(line), out);
            if (nl < 0) break;
            out.append('\n');
            from = nl + 1;
        }
        return out.toString();
    }

    private static void wrapLine(String line, int width, int hang, StringBuilder out) {
        String stripped = line.stripTrailing();
        if (stripped.length() <= width) {
            out.append(line.length() <= width ? line : stripped); // a heading's trailing space ("Usage: ") stays
            return;
        }
        int at = 0;
        boolean first = true;
        while (at < stripped.length()) {
            int limit = first ? width : width - hang;
            String rest = stripped.substring(at);
            if (!first) rest = rest.stripLeading();
            if (rest.length() <= limit) {
                out.append(first ? "" : "\n" + " ".repeat(hang)).append(rest);
                break;
            }
            int cut = rest.lastIndexOf(' ', limit);
            if (cut <= (first ? hang : 0)) cut = rest.indexOf(' ', limit); // one word longer than the line
            if (cut < 0) cut = rest.length();
            out.append(first ? "" : "\n" + " ".repeat(hang)).append(rest, 0, cut);
            at = stripped.length() - rest.length() + cut;
            first = false;
        }
    }

    /**
     * Where continuation lines start: under the text after an option's names or a subcommand's name (the first
     * run of two spaces after the line's first word), two further in for options as picocli does; otherwise at the
     * line's own indent.
     */
    static int hangingIndent(String line) {
        int indent = 0;
        while (indent < line.length() && line.charAt(indent) == ' ') indent++;
        int gap = line.indexOf("  ", indent);
        if (gap > indent) {
            int text = gap;
            while (text < line.length() && line.charAt(text) == ' ') text++;
            boolean option = line.charAt(indent) == '-';
            return Math.min(text + (option ? 2 : 0), WIDTH / 2);
        }
        return indent;
    }
}
