package dev.smelt.cli.commands;

import dev.smelt.cli.GlobalOptions;
import dev.smelt.core.SmeltException;
import dev.smelt.core.model.ModelConfig;
import dev.smelt.datasets.prepare.TextChunks;
import dev.smelt.datasets.source.HubClientFetcher;
import dev.smelt.hub.HubClient;
import dev.smelt.datasets.source.TextSampling;
import dev.smelt.models.generate.LanguageModel;
import dev.smelt.models.imatrix.SquaredActivations;
import dev.smelt.models.nn.Linear;
import dev.smelt.quantizer.gguf.ImportanceMatrixWriter;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "imatrix", description = {
        "Collect an importance matrix with Smelt's own forward pass, as llama.cpp's llama-imatrix does. The data is "
        + "tokenized as plain text (BOS where the tokenizer adds one, EOS after each document), cut into chunks of "
        + "--chunk-size tokens (a shorter remainder is dropped, and each chunk starts with BOS where the tokenizer has "
        + "one), and for every projection of every layer the squares of its inputs are summed per input column over "
        + "every token. The file is llama.cpp's GGUF imatrix format (tensors named as smelt convert gguf names the "
        + "weights), for smelt quantize --imatrix and llama-quantize --imatrix alike."})
public final class ImatrixCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelRuntimeOptions runtime;

    @Mixin
    HubOptions hub; // for hf://datasets/... data, as smelt train

    @Option(names = "--data", paramLabel = "SRC", required = true,
            description = "Text to run: files, directories, globs or hf://datasets/... (any format smelt train reads; the "
                    + "text field of each row is used).")
    List<String> data;

    @Option(names = "--text-sample-by", paramLabel = "line|paragraph|document", defaultValue = "document",
            description = "How .txt files are cut into documents (default: ${DEFAULT-VALUE}: a file is one text, as "
                    + "llama-imatrix reads it).")
    TextSampling textSampling;

    @Option(names = "--data-threads", paramLabel = "N", description = "Data rendering and tokenization threads (default: all processors).")
    Integer dataThreads;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "Output imatrix file (.gguf).")
    Path out;

    @Option(names = "--chunk-size", paramLabel = "N", defaultValue = "512",
            description = "Tokens per chunk, llama-imatrix's context size -c (default: ${DEFAULT-VALUE}).")
    int chunkSize;

    @Option(names = "--process-output",
            description = "Also collect the LM head's inputs (output.weight), as llama-imatrix --process-output.")
    boolean processOutput;

    @Override
    public Integer call() throws Exception {
        if (chunkSize < 2) throw new SmeltException("--chunk-size must be at least 2, got " + chunkSize);
        if (Files.isDirectory(out)) throw new SmeltException(out + ": is a directory; give the output file name, e.g. " + out.resolve("imatrix.gguf"));
        PrintWriter pw = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        boolean quiet = GlobalOptions.quiet();
        if (!Files.isDirectory(runtime.model)) {
            throw new SmeltException(runtime.model + ": not a directory (expected a Hugging Face model directory)");
        }
        List<int[]> chunks = TextChunks.read(runtime.model, data, textSampling, dataThreads, chunkSize, Integer.MAX_VALUE,
                new HubClientFetcher(HubClient.builder().settings(hub.settings()).build()));
        try (LanguageModel lm = quiet ? runtime.load() : runtime.load(err)) {
            ModelConfig config = lm.model().config();
            long t0 = System.nanoTime();
            try (SquaredActivations sums = SquaredActivations.attach(lm.model(), m -> processOutput || !m.equals("lm_head"))) {
                for (int i = 0; i < chunks.size(); i++) {
                    sums.run(chunks.get(i));
                    if (!quiet) {
                        err.printf(Locale.ROOT, "smelt: chunk %d/%d (%.1f s)%n", i + 1, chunks.size(), (System.nanoTime() - t0) / 1e9);
                        err.flush();
                    }
                }
                Map<String, Linear> linears = lm.model().linearModules();
                List<ImportanceMatrixWriter.Entry> entries = new ArrayList<>();
                for (Map.Entry<String, SquaredActivations.ColumnSums> e : sums.sums().entrySet()) {
                    entries.add(ImportanceMatrixWriter.fromHuggingFace(config, e.getKey(),
                            linears.get(e.getKey()).outFeatures(), e.getValue().sumOfSquares(), e.getValue().rows()));
                }
                ImportanceMatrixWriter.write(out, entries, data, chunks.size(), chunkSize);
                pw.printf(Locale.ROOT, "wrote %s (%d tensors, %d chunks of %d tokens)%n", out, entries.size(), chunks.size(), chunkSize);
                pw.flush();
            }
        }
        return 0;
    }
}
