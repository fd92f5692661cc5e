package dev.smelt.cli.commands;

import dev.smelt.bundle.assemble.BundleRequest;
import dev.smelt.bundle.assemble.Bundler;
import dev.smelt.bundle.manifest.FileRecord;
import dev.smelt.bundle.verify.BundleVerifier;
import dev.smelt.bundle.verify.SafeExtractor;
import dev.smelt.cli.GlobalOptions;
import dev.smelt.cli.VersionProvider;
import dev.smelt.core.io.ByteSizes;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "bundle", description =
        "Assemble a licensed, reproducible release archive (.tar.gz, .tar.zst or .zip). It holds model/, adapter/, "
        + "gguf/, onnx/, LICENSE, NOTICE, README.md (model card), metrics/, recipe.yaml, MANIFEST.json and SHA256SUMS. "
        + "Every GGUF, safetensors and ONNX file carries the licence, base model and Smelt version. The base "
        + "model's licence must allow Apache-2.0 (apache-2.0, mit, bsd-2/3-clause) unless --license names "
        + "another.",
        subcommands = {BundleCommand.Verify.class, BundleCommand.Extract.class})
public final class BundleCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", paramLabel = "DIR", description = "Merged (or base) Hugging Face model directory, bundled as model/.")
    Path model;

    @Option(names = "--adapter", paramLabel = "DIR", description = "PEFT adapter directory (smelt train output), bundled as adapter/; its metrics go to metrics/.")
    Path adapter;

    @Option(names = "--gguf", paramLabel = "F.gguf", arity = "1..*", description = "GGUF files, bundled as gguf/{name}-{version}-{TYPE}.gguf.")
    List<Path> gguf = new ArrayList<>();

    @Option(names = "--mmproj", paramLabel = "F.gguf", description = "Multimodal projector GGUF.")
    Path mmproj;

    @Option(names = "--onnx", paramLabel = "DIR", description = "ONNX export directory, bundled as onnx/.")
    Path onnx;

    @Option(names = "--base", paramLabel = "DIR", description = "Base model snapshot whose card or LICENSE decides the licence (default: --model, else the adapter's base_model_name_or_path).")
    Path base;

    @Option(names = "--name", paramLabel = "NAME", description = "Release name.")
    String name;

    @Option(names = "--version", paramLabel = "V", description = "Release version.")
    String version;

    @Option(names = {"--out", "-o"}, paramLabel = "FILE", description = "Output FILE.tar.gz, FILE.tar.zst or FILE.zip.")
    Path out;

    @Option(names = "--license", paramLabel = "ID", description = "The bundle's licence when it is not Apache-2.0 (the base model's LICENSE text ships with it).")
    String license;

    @Option(names = "--dataset-card", paramLabel = "DIR", description = "Data set directory (README.md card); its id and licence go into NOTICE and the card. Repeatable.")
    List<Path> datasetCards = new ArrayList<>();

    @Option(names = "--recipe", paramLabel = "FILE", description = "The recipe that made the model, bundled as recipe.yaml.")
    Path recipe;

    @Option(names = "--metrics", paramLabel = "FILE", description = "Extra file for metrics/ (a quantization report, ...). Repeatable.")
    List<Path> metrics = new ArrayList<>();

    @Option(names = "--zstd-min-saving", paramLabel = "SHARE", description = "tar.zst: 4 MiB chunks whose trial compression saves less than this share are stored, not compressed (default: 0.1; 0 compresses everything). Weights rarely save more than a few percent and store ~4x faster.")
    Double zstdMinSaving;

    @Option(names = "--language", paramLabel = "CODE", description = "Card language (ISO 639-1; default: the base card's). Repeatable.")
    List<String> languages = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        List<String> missing = new ArrayList<>();
        if (name == null) missing.add("--name");
        if (version == null) missing.add("--version");
        if (out == null) missing.add("--out");
        if (!missing.isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "Missing required option(s): " + String.join(", ", missing));
        }
        Bundler.Result r = Bundler.bundle(new BundleRequest(model, adapter, gguf, mmproj, onnx, base, name, version, out,
                license, datasetCards, recipe, metrics, languages, VersionProvider.version(), null, zstdMinSaving));
        PrintWriter stdout = spec.commandLine().getOut();
        if (!GlobalOptions.quiet()) {
            PrintWriter err = spec.commandLine().getErr();
            long bytes = r.manifest().files().stream().mapToLong(FileRecord::size).sum();
            err.println(r.manifest().files().size() + " files, " + ByteSizes.format(bytes) + ", licence "
                    + r.manifest().license() + ", mtime " + r.manifest().mtime());
            err.flush();
        }
        stdout.println(r.out());
        stdout.flush();
        return 0;
    }

    @Command(name = "verify", description =
        "Check a bundle (archive or extracted directory): required files, every checksum, no missing or extra "
        + "file, LICENSE is the unmodified Apache-2.0 text when the bundle says apache-2.0, each GGUF and "
        + "safetensors header. Exits 1 listing every failure.")
    public static final class Verify implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "FILE|DIR", description = "Bundle archive or directory.")
        Path bundle;

        @Override
        public Integer call() throws Exception {
            BundleVerifier.Report report = BundleVerifier.verify(bundle);
            if (report.ok()) {
                spec.commandLine().getOut().println(bundle + ": ok (" + report.files() + " files)");
                spec.commandLine().getOut().flush();
                return 0;
            }
            PrintWriter err = spec.commandLine().getErr();
            for (String f : report.failures()) err.println("smelt: error: " + bundle + ": " + f);
            err.flush();
            return 1;
        }
    }

    @Command(name = "extract", description =
        "Unpack a bundle into a new directory. Absolute paths, '..', links leaving the directory and special "
        + "files are refused, and then nothing is written.")
    public static final class Extract implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "FILE", description = "Bundle archive (.tar.gz, .tar.zst, .zip).")
        Path bundle;

        @Option(names = {"--out", "-o"}, required = true, paramLabel = "DIR", description = "Directory to create.")
        Path out;

        @Override
        public Integer call() throws Exception {
            SafeExtractor.extract(bundle, out);
            spec.commandLine().getOut().println(out.toAbsolutePath());
            spec.commandLine().getOut().flush();
            return 0;
        }
    }
}
