package dev.smelt.cli.commands;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.smelt.cli.GlobalOptions;
import dev.smelt.core.SmeltException;
import dev.smelt.datasets.inspect.DataInspection;
import dev.smelt.datasets.inspect.DataInspector;
import dev.smelt.datasets.inspect.InspectionJson;
import dev.smelt.datasets.prepare.DataOptions;
import dev.smelt.datasets.prepare.LengthStats;
import dev.smelt.datasets.prepare.PreparationReport;
import dev.smelt.datasets.source.HubClientFetcher;
import dev.smelt.datasets.length.Truncation;
import dev.smelt.hub.HubClient;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.LongConsumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "inspect", description = {
        "Reads task data through the model's chat template and tokenizer and reports rows, detected format, "
        + "token counts (min/median/p95/max), what --seq-len would truncate or drop (or, for text, how many windows "
        + "the joined documents make), and a rendered example with the trained tokens marked."})
public final class DataInspectCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Spec
    CommandSpec spec;

    @Mixin
    DataOptionsMixin dataOptions;

    @Mixin
    HubOptions hub;

    @Option(names = "--model", paramLabel = "DIR", required = true, description = "Model directory (tokenizer.json, chat template).")
    Path model;

    @Option(names = "--sample", paramLabel = "N", defaultValue = "0", description = "Which example to show (default: the first).")
    int sample;

    @Option(names = "--json", description = "Print the report as JSON.")
    boolean json;

    @Option(names = "--markers", paramLabel = "auto|color|brackets", defaultValue = "auto",
            description = "How trained text is marked: color on a terminal, ⟦brackets⟧ otherwise (default: ${DEFAULT-VALUE}).")
    String markers;

    @Override
    public Integer call() throws Exception {
        if (sample < 0) throw new SmeltException("--sample must be 0 or more, got " + sample);
        DataOptions options = dataOptions.toBuilder().build();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        HubClient client = HubClient.builder().settings(hub.settings()).build();
        DataInspection inspection = DataInspector.inspect(dataOptions.data(), model, options, new HubClientFetcher(client),
                sample, progress(err));
        if (json) {
            out.println(JSON.writeValueAsString(InspectionJson.of(inspection)));
        } else {
            print(out, inspection, options);
        }
        out.flush();
        return 0;
    }

    private LongConsumer progress(PrintWriter err) {
        if (GlobalOptions.quiet()) return null;
        long[] last = {System.nanoTime()};
        return rows -> {
            long now = System.nanoTime();
            if (now - last[0] > 2_000_000_000L) {
                last[0] = now;
                err.printf(Locale.ROOT, "… %,d rows%n", rows);
                err.flush();
            }
        };
    }

    private void print(PrintWriter out, DataInspection inspection, DataOptions options) {
        PreparationReport r = inspection.report();
        String files = r.files().size() == 1 ? r.files().get(0) : r.files().get(0) + " (+" + (r.files().size() - 1) + " more)";
        out.printf(Locale.ROOT, "files:     %s%n", files);
        out.printf(Locale.ROOT, "format:    %s%s%n", r.format() == null ? "-" : r.format().cliName(),
                options.format() == null ? " (detected)" : "");
        out.printf(Locale.ROOT, "rows:      %,d%s%n", r.rows(), r.invalidRows() == 0 ? "" : String.format(Locale.ROOT,
                " (%,d invalid, skipped)", r.invalidRows()));
        for (String bad : r.firstInvalid()) out.println("  invalid: " + bad);
        LengthStats s = r.lengths();
        out.printf(Locale.ROOT, "examples:  %,d%n", r.examples());
        if (r.images() > 0) {
            out.printf(Locale.ROOT, "images:    %,d in %,d examples, %,d image tokens (never trained)%n", r.images(),
                    r.examplesWithImages(), r.imageTokens());
        }
        out.printf(Locale.ROOT, "tokens:    min %,d  median %,d  p95 %,d  max %,d  (mean %.1f, total %,d, trained %,d)%n",
                s.min(), s.median(), s.p95(), s.max(), s.mean(), s.total(), r.trainedTokens());
        if (r.truncation() == Truncation.CHUNK) {
            out.printf(Locale.ROOT, "seq-len:   %,d: %,d documents joined with EOS into %,d windows (%,d longer than a window)%n",
                    r.seqLen(), r.examples(), r.windows(), r.overSeqLen());
        } else {
            String fate = r.truncation() == Truncation.RIGHT ? "truncated" : "dropped";
            out.printf(Locale.ROOT, "seq-len:   %,d: %,d longer (would be %s)%s%n", r.seqLen(), r.overSeqLen(), fate,
                    r.droppedNoTrainedTokens() == 0 ? "" : String.format(Locale.ROOT, ", %,d without trained tokens", r.droppedNoTrainedTokens()));
        }
        out.printf(Locale.ROOT, "train on:  %s%s%n", options.trainOn().cliName(),
                options.trainOnEmptyThinkBlock() ? " (with empty think blocks)" : "");
        DataInspection.Sample ex = inspection.sample();
        if (ex == null) {
            out.println("sample:    none (no valid example" + (sample > 0 ? " #" + sample : "") + ")");
            return;
        }
        boolean color = markers.equals("color") || (markers.equals("auto") && HubOptions.interactiveTerminal() && System.console() != null);
        if (!markers.equals("auto") && !markers.equals("color") && !markers.equals("brackets")) {
            throw new SmeltException("--markers: expected auto, color or brackets, got '" + markers + "'");
        }
        out.printf(Locale.ROOT, "sample #%d (%s): %,d tokens, %,d trained, marked %s%n", ex.index(), ex.location(), ex.tokens(),
                ex.trainedTokens(), color ? "in green" : "⟦like this⟧");
        out.println(color ? ex.marked("\u001b[1;32m", "\u001b[0m") : ex.marked("⟦", "⟧"));
    }
}
