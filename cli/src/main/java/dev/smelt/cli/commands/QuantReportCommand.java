package dev.smelt.cli.commands;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.smelt.cli.GlobalOptions;
import dev.smelt.core.SmeltException;
import dev.smelt.datasets.prepare.TextChunks;
import dev.smelt.datasets.source.HubClientFetcher;
import dev.smelt.hub.HubClient;
import dev.smelt.datasets.source.TextSampling;
import dev.smelt.models.CausalLM;
import dev.smelt.models.DecoderModel;
import dev.smelt.models.eval.LogitComparison;
import dev.smelt.models.generate.LanguageModel;
import dev.smelt.models.nn.Linear;
import dev.smelt.quantizer.report.HfWeights;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "quant-report", description = {
        "Measure what a quantized GGUF costs and gate a release on it. Smelt's forward pass runs on the model's own weights and on the GGUF's "
        + "weights dequantized (every projection and the embedding), over chunks of the data cut as smelt imatrix cuts "
        + "them, and reports the perplexity of each, the mean / p99 / max KL divergence of the quantized model's "
        + "next-token distribution from the original's, how often their top-1 tokens agree, and each tensor's RMSE. "
        + "With --max-kl and --min-top1 it is a release gate: exit 3 when a gate fails (exit 1 for errors)."})
public final class QuantReportCommand implements Callable<Integer> {
    /** Exit status when a quality gate fails. */
    public static final int GATE_FAILED = 3;

    @Spec
    CommandSpec spec;

    @Mixin
    ModelRuntimeOptions runtime;

    @Mixin
    HubOptions hub; // for hf://datasets/... data, as smelt train

    @Option(names = "--gguf", required = true, paramLabel = "FILE", description = "Quantized GGUF of this model (smelt convert gguf / smelt quantize / llama-quantize).")
    Path gguf;

    @Option(names = "--data", paramLabel = "SRC", required = true,
            description = "Evaluation text: files, directories, globs or hf://datasets/... (the text field of each row is used).")
    List<String> data;

    @Option(names = "--text-sample-by", paramLabel = "line|paragraph|document", defaultValue = "document",
            description = "How .txt files are cut into documents (default: ${DEFAULT-VALUE}).")
    TextSampling textSampling;

    @Option(names = "--data-threads", paramLabel = "N", description = "Data rendering and tokenization threads (default: all processors).")
    Integer dataThreads;

    @Option(names = "--chunk-size", paramLabel = "N", defaultValue = "512", description = "Tokens per chunk (default: ${DEFAULT-VALUE}).")
    int chunkSize;

    @Option(names = "--chunks", paramLabel = "N", description = "Use at most N chunks (default: all).")
    Integer maxChunks;

    @Option(names = "--max-kl", paramLabel = "X", description = "Gate: fail when the mean KL divergence exceeds X (nats).")
    Double maxKl;

    @Option(names = "--min-top1", paramLabel = "Y", description = "Gate: fail when the top-1 agreement is below Y (0 to 1).")
    Double minTop1;

    @Option(names = "--json", description = "Print the report as JSON.")
    boolean json;

    /** One model weight (its values are copied in place: DJL sets a parameter's array once) with both versions. */
    private record Swap(String hfName, String ggufName, String type, Parameter parameter, NDArray original,
            NDArray quantized, double rmse, double relativeRmse) {}

    private record Gate(String flag, double limit, double value, boolean passed) {}

    @Override
    public Integer call() throws Exception {
        if (runtime.adapter != null) {
            throw new SmeltException("--adapter: compare the merged model (smelt merge) with its GGUF instead");
        }
        if (maxChunks != null && maxChunks < 1) throw new SmeltException("--chunks must be at least 1, got " + maxChunks);
        if (minTop1 != null && (minTop1 < 0 || minTop1 > 1)) throw new SmeltException("--min-top1 must be within 0..1, got " + minTop1);
        if (maxKl != null && maxKl < 0) throw new SmeltException("--max-kl must be >= 0, got " + maxKl);
        if (!Files.isRegularFile(gguf)) throw new SmeltException(gguf + ": no such GGUF file");
        if (!Files.isDirectory(runtime.model)) {
            throw new SmeltException(runtime.model + ": not a directory (expected a Hugging Face model directory)");
        }
        PrintWriter pw = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        boolean quiet = GlobalOptions.quiet();
        List<int[]> chunks = TextChunks.read(runtime.model, data, textSampling, dataThreads, chunkSize,
                maxChunks == null ? Integer.MAX_VALUE : maxChunks,
                new HubClientFetcher(HubClient.builder().settings(hub.settings()).build()));
        try (LanguageModel lm = quiet ? runtime.load() : runtime.load(err);
                HfWeights weights = HfWeights.open(gguf, lm.model().config())) {
            CausalLM model = lm.model();
            List<Swap> swaps = swaps(model, weights);
            LogitComparison cmp = new LogitComparison();
            long t0 = System.nanoTime();
            for (int i = 0; i < chunks.size(); i++) {
                int[] ids = chunks.get(i);
                try (NDManager m = model.manager().newSubManager()) {
                    NDArray input = m.create(longs(ids)).reshape(1, ids.length);
                    NDArray ref = model.logits(new ParameterStore(m, false), input, null, null, false);
                    for (Swap s : swaps) s.quantized().copyTo(s.parameter().getArray());
                    NDArray cand = model.logits(new ParameterStore(m, false), input, null, null, false);
                    cmp.add(ref, cand, ids);
                } finally {
                    for (Swap s : swaps) s.original().copyTo(s.parameter().getArray());
                }
                if (!quiet) {
                    err.printf(Locale.ROOT, "smelt: chunk %d/%d (%.1f s)%n", i + 1, chunks.size(), (System.nanoTime() - t0) / 1e9);
                    err.flush();
                }
            }
            LogitComparison.Summary s = cmp.summary();
            List<Gate> gates = new ArrayList<>();
            if (maxKl != null) gates.add(new Gate("--max-kl", maxKl, s.meanKl(), s.meanKl() <= maxKl));
            if (minTop1 != null) gates.add(new Gate("--min-top1", minTop1, s.top1Agreement(), s.top1Agreement() >= minTop1));
            if (json) printJson(pw, s, swaps, gates, chunks.size());
            else printText(pw, s, swaps, gates, chunks.size());
            pw.flush();
            boolean failed = false;
            for (Gate g : gates) {
                if (g.passed()) continue;
                failed = true;
                boolean kl = g.flag().equals("--max-kl");
                err.printf(Locale.ROOT, "smelt: gate failed: %s %.6g %s %s %s%n", kl ? "mean KL" : "top-1 agreement", g.value(),
                        kl ? ">" : "<", g.flag(), g.limit());
                err.flush();
            }
            for (Swap sw : swaps) {
                sw.quantized().close();
                sw.original().close();
            }
            return failed ? GATE_FAILED : 0;
        }
    }

    /** Every projection and the embedding, with its dequantized GGUF values next to the loaded ones. */
    private static List<Swap> swaps(CausalLM model, HfWeights weights) {
        List<Swap> out = new ArrayList<>();
        List<Parameter> params = new ArrayList<>();
        List<String> names = new ArrayList<>();
        if (model instanceof DecoderModel<?> d) {
            params.add(d.embedding().weight());
            names.add(d.embedding().moduleName() + ".weight");
        }
        for (Linear l : model.linearModules().values()) {
            params.add(l.weight());
            names.add(l.moduleName() + ".weight");
        }
        for (int i = 0; i < params.size(); i++) {
            Parameter p = params.get(i);
            String hf = names.get(i);
            NDArray orig = p.getArray();
            Shape shape = orig.getShape();
            float[] q = weights.read(hf, shape.getShape());
            NDArray wide = orig.toType(DataType.FLOAT32, true);
            float[] o = wide.toFloatArray();
            wide.close();
            double rmse = HfWeights.rmse(q, o);
            double rms = HfWeights.rmse(o, new float[o.length]);
            NDArray qa = model.manager().create(q, shape);
            if (orig.getDataType() != DataType.FLOAT32) qa = qa.toType(orig.getDataType(), false);
            out.add(new Swap(hf, weights.ggufName(hf), weights.type(hf).name(), p, orig.duplicate(), qa, rmse, rms == 0 ? 0 : rmse / rms));
        }
        return out;
    }

    private static long[] longs(int[] ids) {
        long[] l = new long[ids.length];
        for (int i = 0; i < ids.length; i++) l[i] = ids[i];
        return l;
    }

    private void printText(PrintWriter pw, LogitComparison.Summary s, List<Swap> swaps, List<Gate> gates, int chunks) {
        pw.printf(Locale.ROOT, "%s vs %s: %d scored tokens in %d chunks of %d%n", gguf, runtime.model, s.tokens(), chunks, chunkSize);
        pw.printf(Locale.ROOT, "perplexity     original %.4f, quantized %.4f (%+.2f%%)%n", s.perplexityReference(),
                s.perplexityCandidate(), 100 * (s.perplexityCandidate() / s.perplexityReference() - 1));
        pw.printf(Locale.ROOT, "KL divergence  mean %.6f, p99 %.6f, max %.6f%n", s.meanKl(), s.p99Kl(), s.maxKl());
        pw.printf(Locale.ROOT, "top-1 agreement %.2f%%%n", 100 * s.top1Agreement());
        pw.println("tensor RMSE (relative to the tensor's RMS):");
        for (Swap w : swaps) {
            pw.printf(Locale.ROOT, "  %-36s %-6s %.4e (%.3f%%)%n", w.ggufName(), w.type(), w.rmse(), 100 * w.relativeRmse());
        }
        for (Gate g : gates) {
            pw.printf(Locale.ROOT, "gate %s %s: %s (%.6g)%n", g.flag(), g.limit(), g.passed() ? "pass" : "FAIL", g.value());
        }
    }

    private void printJson(PrintWriter pw, LogitComparison.Summary s, List<Swap> swaps, List<Gate> gates, int chunks)
            throws Exception {
        ObjectMapper om = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = om.createObjectNode();
        root.put("model", runtime.model.toString());
        root.put("gguf", gguf.toString());
        root.put("chunks", chunks);
        root.put("chunk_size", chunkSize);
        root.put("tokens", s.tokens());
        ObjectNode ppl = root.putObject("perplexity");
        ppl.put("original", s.perplexityReference());
        ppl.put("quantized", s.perplexityCandidate());
        ObjectNode kl = root.putObject("kl_divergence");
        kl.put("mean", s.meanKl());
        kl.put("p99", s.p99Kl());
        kl.put("max", s.maxKl());
        root.put("top1_agreement", s.top1Agreement());
        ArrayNode tensors = root.putArray("tensors");
        for (Swap w : swaps) {
            ObjectNode t = tensors.addObject();
            t.put("name", w.ggufName());
            t.put("hf_name", w.hfName());
            t.put("type", w.type());
            t.put("rmse", w.rmse());
            t.put("relative_rmse", w.relativeRmse());
        }
        ArrayNode g = root.putArray("gates");
        boolean passed = true;
        for (Gate gate : gates) {
            ObjectNode n = g.addObject();
            n.put("flag", gate.flag());
            n.put("limit", gate.limit());
            n.put("value", gate.value());
            n.put("passed", gate.passed());
            passed &= gate.passed();
        }
        root.put("passed", passed);
        pw.println(om.writeValueAsString(root));
    }
}
