package dev.smelt.datasets.inspect;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.smelt.datasets.prepare.LengthStats;
import dev.smelt.datasets.prepare.PreparationReport;
import dev.smelt.datasets.render.CharSpan;
import java.util.Locale;

/** The machine-readable form of an inspection ({@code smelt data inspect --json}). */
public final class InspectionJson {
    private InspectionJson() {}

    public static ObjectNode of(DataInspection inspection) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        PreparationReport r = inspection.report();
        ObjectNode o = f.objectNode();
        ArrayNode files = o.putArray("files");
        r.files().forEach(files::add);
        o.put("format", r.format() == null ? null : r.format().cliName());
        o.put("rows", r.rows());
        o.put("invalid_rows", r.invalidRows());
        ArrayNode invalid = o.putArray("first_invalid");
        r.firstInvalid().forEach(invalid::add);
        o.put("examples", r.examples());
        LengthStats s = r.lengths();
        ObjectNode tokens = o.putObject("tokens");
        tokens.put("min", s.min());
        tokens.put("median", s.median());
        tokens.put("p95", s.p95());
        tokens.put("max", s.max());
        tokens.put("mean", s.mean());
        tokens.put("total", s.total());
        tokens.put("trained", r.trainedTokens());
        o.put("seq_len", r.seqLen());
        o.put("truncation", r.truncation() == null ? null : r.truncation().name().toLowerCase(Locale.ROOT));
        o.put("over_seq_len", r.overSeqLen());
        o.put("truncated", r.truncated());
        o.put("dropped_too_long", r.droppedTooLong());
        o.put("dropped_no_trained_tokens", r.droppedNoTrainedTokens());
        o.put("windows", r.windows());
        o.put("kept", r.kept());
        ObjectNode img = o.putObject("images");
        img.put("examples_with_images", r.examplesWithImages());
        img.put("images", r.images());
        img.put("image_tokens", r.imageTokens());
        DataInspection.Sample sample = inspection.sample();
        if (sample == null) {
            o.putNull("sample");
        } else {
            ObjectNode so = o.putObject("sample");
            so.put("index", sample.index());
            so.put("location", sample.location().toString());
            so.put("text", sample.text());
            so.put("tokens", sample.tokens());
            so.put("trained_tokens", sample.trainedTokens());
            ArrayNode spans = so.putArray("trained_spans");
            for (CharSpan span : sample.trained()) {
                ArrayNode a = spans.addArray();
                a.add(span.start());
                a.add(span.end());
            }
            ArrayNode trainedText = so.putArray("trained_text");
            for (CharSpan span : sample.trained()) trainedText.add(sample.text().substring(span.start(), span.end()));
        }
        return o;
    }
}
