package dev.smelt.trainer.sft;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.smelt.core.SmeltException;
import dev.smelt.core.io.AtomicFiles;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code metrics.jsonl}: one JSON object per line. Training lines carry step, loss, lr, grad_norm,
 * tokens_per_s, and in fp16 runs loss_scale (the scale the step used) and skipped (true when its gradients
 * overflowed and the optimizer did not apply it); evaluation lines carry step, eval_loss, eval_ppl. Lines are flushed as written, so the
 * file survives a kill; on resume lines past the checkpoint's step are dropped (they are redone).
 */
public final class MetricsLog implements AutoCloseable {
    public static final String FILE = "metrics.jsonl";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One parsed line. */
    public record Entry(int step, Double loss, Double lr, Double gradNorm, Double tokensPerSecond, Double evalLoss) {}

    private final Path file;
    private final Writer out;

    private MetricsLog(Path file, Writer out) {
        this.file = file;
        this.out = out;
    }

    /** Opens the log; keeps only lines with step ≤ {@code keepUpToStep} (0 for a fresh run). */
    public static MetricsLog open(Path dir, int keepUpToStep) throws IOException {
        Path file = dir.resolve(FILE);
        List<String> kept = new ArrayList<>();
        if (keepUpToStep > 0 && Files.isRegularFile(file)) {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                try {
                    JsonNode n = JSON.readTree(line);
                    if (n != null && n.path("step").asInt(Integer.MAX_VALUE) <= keepUpToStep) kept.add(line);
                } catch (IOException e) {
                    // a line cut short by a kill: dropped
                }
            }
        }
        AtomicFiles.writeString(file, kept.isEmpty() ? "" : String.join("\n", kept) + "\n");
        Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        return new MetricsLog(file, w);
    }

    public Path file() {
        return file;
    }

    /** A training step; {@code lossScale} is null when loss scaling is off. */
    public void train(int step, double loss, double lr, double gradNorm, double tokensPerSecond, Double lossScale,
            boolean skipped) {
        ObjectNode o = JSON.createObjectNode();
        o.put("step", step);
        o.put("loss", loss);
        o.put("lr", lr);
        o.put("grad_norm", gradNorm);
        o.put("tokens_per_s", Math.round(tokensPerSecond * 10) / 10.0);
        if (lossScale != null) {
            o.put("loss_scale", lossScale);
            o.put("skipped", skipped);
        }
        write(o);
    }

    public void eval(int step, double evalLoss) {
        ObjectNode o = JSON.createObjectNode();
        o.put("step", step);
        o.put("eval_loss", evalLoss);
        o.put("eval_ppl", Math.exp(evalLoss));
        write(o);
    }

    private void write(ObjectNode o) {
        try {
            out.write(JSON.writeValueAsString(o));
            out.write('\n');
            out.flush();
        } catch (IOException e) {
            throw new SmeltException(file + ": cannot write: " + e.getMessage(), e);
        }
    }

    public static List<Entry> read(Path file) throws IOException {
        List<Entry> out = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (line.isBlank()) continue;
            JsonNode n = JSON.readTree(line);
            out.add(new Entry(n.path("step").asInt(), num(n, "loss"), num(n, "lr"), num(n, "grad_norm"),
                    num(n, "tokens_per_s"), num(n, "eval_loss")));
        }
        return out;
    }

    private static Double num(JsonNode n, String f) {
        JsonNode v = n.get(f);
        return v == null || !v.isNumber() ? null : v.asDouble();
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
