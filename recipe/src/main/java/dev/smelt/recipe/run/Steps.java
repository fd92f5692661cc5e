package dev.smelt.recipe.run;

import ai.djl.Device;
import dev.smelt.bundle.assemble.BundleRequest;
import dev.smelt.bundle.assemble.Bundler;
import dev.smelt.bundle.verify.UnpackedBundle;
import dev.smelt.converter.gguf.GgufWriter;
import dev.smelt.converter.hf.GgufExport;
import dev.smelt.converter.hf.MmprojExport;
import dev.smelt.converter.hf.OutputType;
import dev.smelt.converter.lora.LoraGgufExport;
import dev.smelt.converter.onnx.OnnxDtype;
import dev.smelt.converter.onnx.OnnxExport;
import dev.smelt.core.SmeltException;
import dev.smelt.core.model.Architecture;
import dev.smelt.core.model.ModelConfig;
import dev.smelt.core.model.ModelDirectory;
import dev.smelt.core.safetensors.DType;
import dev.smelt.core.safetensors.SafetensorsModel;
import dev.smelt.core.tiny.TinyModelSpec;
import dev.smelt.core.tiny.TinyModelWriter;
import dev.smelt.datasets.format.FormatName;
import dev.smelt.datasets.length.Truncation;
import dev.smelt.datasets.prepare.DataOptions;
import dev.smelt.datasets.prepare.DataPreparer;
import dev.smelt.datasets.prepare.PreparedData;
import dev.smelt.datasets.prepare.TextChunks;
import dev.smelt.datasets.render.TrainOn;
import dev.smelt.datasets.source.HubClientFetcher;
import dev.smelt.datasets.source.HubDatasetFetcher;
import dev.smelt.datasets.source.TextSampling;
import dev.smelt.hub.CommitResult;
import dev.smelt.hub.PathFilter;
import dev.smelt.hub.PushRequest;
import dev.smelt.hub.RepoId;
import dev.smelt.hub.RepoType;
import dev.smelt.hub.SnapshotPath;
import dev.smelt.models.Devices;
import dev.smelt.models.Precision;
import dev.smelt.models.generate.LanguageModel;
import dev.smelt.models.eval.LogitComparison;
import dev.smelt.models.imatrix.SquaredActivations;
import dev.smelt.models.nn.Linear;
import dev.smelt.quantizer.gguf.GgufQuantizer;
import dev.smelt.quantizer.gguf.ImportanceMatrix;
import dev.smelt.quantizer.gguf.ImportanceMatrixWriter;
import dev.smelt.quantizer.gguf.QuantizeOptions;
import dev.smelt.quantizer.mix.QuantMix;
import dev.smelt.quantizer.onnx.MatMulNBitsPacking;
import dev.smelt.recipe.format.Recipe;
import dev.smelt.recipe.format.RecipeLoader;
import dev.smelt.trainer.SettingException;
import dev.smelt.trainer.lora.LoraSettings;
import dev.smelt.trainer.merge.AdapterMerger;
import dev.smelt.trainer.optim.LrSchedule;
import dev.smelt.trainer.sft.Checkpoints;
import dev.smelt.trainer.sft.SftTrainer;
import dev.smelt.trainer.sft.TrainConfig;
import dev.smelt.trainer.sft.TrainingRows;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** The step kinds: each calls the library that owns its stage (the same code the matching smelt command runs). */
public final class Steps {
    private Steps() {}

    /** hf://datasets/... data sources fetched with the run's Hub client, created only when such a source is read. */
    static HubDatasetFetcher hubData(StepContext ctx) {
        return uri -> new HubClientFetcher(ctx.options().hub().get()).fetch(uri);
    }

    static final long MAX_SHARD_BYTES = 5_000_000_000L;

    static void say(StepContext ctx, String line) {
        PrintStream log = ctx.log();
        if (log != null) {
            log.println("    " + line);
            log.flush();
        }
    }

    private static GgufWriter.Listener quietWriter() {
        return new GgufWriter.Listener() {};
    }

    // ------------------------------------------------------------------ base

    /** The base model: a Hub snapshot (pulled into the Hub cache), a local directory, or a create-tiny model. */
    public record Base(Recipe.Base base, Map<String, Object> settings) implements Step {
        public String name() {
            return "base";
        }

        public String kind() {
            return "base";
        }

        public List<String> inputs() {
            return List.of();
        }

        public Outcome run(StepContext ctx) throws Exception {
            if (base.tiny() != null) {
                Recipe.Tiny t = base.tiny();
                TinyModelSpec spec = TinyModelSpec.builder(Architecture.fromModelType(t.arch()))
                        .seed(t.seed() == null ? 0 : t.seed()).hiddenSize(t.hidden()).numLayers(t.layers()).vocabSize(t.vocab())
                        .vision(Boolean.TRUE.equals(t.vision())).build();
                TinyModelWriter.Result r = TinyModelWriter.write(spec, ctx.dir().resolve("model"));
                say(ctx, String.format(Locale.ROOT, "tiny %s model, %,d parameters", t.arch(), r.parameterCount()));
                return Outcome.of(Map.of("model", "model"));
            }
            if (base.dir() != null) return Outcome.of(Map.of("model", ctx.recipe().resolve(base.dir()).toString()));
            String revision = base.revision() == null ? "main" : base.revision();
            Path snap = ctx.options().hub().get().snapshot(RepoType.MODEL, new RepoId(base.hub()), revision, PathFilter.ALL);
            say(ctx, "pulled " + base.hub() + "@" + revision + " to " + snap);
            return Outcome.of(Map.of("model", snap.toString()));
        }
    }

    // ------------------------------------------------------------------ train

    /** LoRA SFT; an unfinished run resumes from its newest checkpoint, so its directory is kept. */
    public record Train(Recipe.Data data, Recipe.Train train, Map<String, Object> settings) implements Step {
        public String name() {
            return "train";
        }

        public String kind() {
            return "train";
        }

        public List<String> inputs() {
            return List.of("base");
        }

        @Override
        public boolean resumable() {
            return true;
        }

        public Outcome run(StepContext ctx) throws Exception {
            Path model = ctx.input("base", "model");
            Path out = ctx.dir().resolve("adapter");
            Recipe.Train t = train != null ? train : new Recipe.Train(null, null, null, null, null, null, null, null, null, null, null, null);
            TrainConfig cfg;
            try {
                cfg = config(model, out, t);
            } catch (SettingException e) {
                throw new SmeltException("train: " + e.spelled(s -> "train." + s));
            }
            if (ctx.recipe().recipe().base().hub() != null) {
                // the adapter names its Hub base (and the snapshot's commit), as smelt train does for a cache snapshot
                Recipe.Base b = ctx.recipe().recipe().base();
                String commit = SnapshotPath.parse(model).map(SnapshotPath::commit).orElse(b.revision());
                cfg = cfg.toBuilder().baseModel(b.hub(), commit).build();
            }
            Optional<Path> checkpoint = new Checkpoints(out, cfg.keepCheckpoints()).latest();
            checkpoint.ifPresent(c -> say(ctx, "resuming from " + c.getFileName()));
            DataOptions.Builder ob = DataOptions.builder().seqLen(cfg.seqLen()).seed(cfg.seed());
            if (data.format() != null) ob.format(FormatName.parse(data.format()));
            if (data.packing() != null) ob.packing(data.packing());
            if (data.valSplit() != null) ob.valSplit(data.valSplit());
            if (data.trainOn() != null) ob.trainOn(TrainOn.parse(data.trainOn()));
            if (data.truncation() != null) ob.truncation(Truncation.valueOf(data.truncation().toUpperCase(Locale.ROOT)));
            DataOptions options;
            try {
                options = ob.build();
            } catch (IllegalArgumentException e) {
                throw new SmeltException("data: " + e.getMessage());
            }
            RecipeLoader.Loaded l = ctx.recipe();
            List<String> val = data.valSources() == null ? List.of() : RecipeLoader.resolvedSources(l, data.valSources());
            SftTrainer.Result r;
            try (PreparedData prepared = DataPreparer.builder().data(RecipeLoader.resolvedSources(l, data.sources()))
                    .valData(val).model(model).options(options).hub(hubData(ctx)).build()) {
                SftTrainer trainer = new SftTrainer(cfg, TrainingRows.of(prepared), ctx.log(), ctx.log() != null && ctx.options().live());
                ctx.stop().onStop(trainer::requestStop);
                try {
                    r = trainer.run();
                } finally {
                    ctx.stop().onStop(null);
                }
            }
            if (r.stopped()) throw new Stopped("training stopped at step " + r.steps() + "/" + r.totalSteps() + "; checkpoint " + r.checkpoint());
            Map<String, Object> values = new LinkedHashMap<>();
            values.put("steps", r.steps());
            values.put("final_loss", r.lastLoss());
            if (r.lastEvalLoss() != null) values.put("eval_loss", r.lastEvalLoss());
            checkpoint.ifPresent(c -> values.put("resumed_from", c.getFileName().toString()));
            say(ctx, String.format(Locale.ROOT, "%d steps, final loss %.4f%s", r.steps(), r.lastLoss(),
                    r.lastEvalLoss() == null ? "" : String.format(Locale.ROOT, ", eval loss %.4f", r.lastEvalLoss())));
            return new Outcome(Map.of("adapter", "adapter"), values);
        }

        private TrainConfig config(Path model, Path out, Recipe.Train t) {
            List<Device> devs = Devices.parse(t.devices() == null ? "cpu" : t.devices());
            TrainConfig.Builder b = TrainConfig.builder(model, out).devices(devs)
                    .precision(Precision.parse(t.precision() == null ? "fp32" : t.precision()).dataType(devs.get(0))).resume(true);
            Recipe.Lora lo = t.lora();
            if (lo != null) {
                if (lo.targets() != null) b.targets(LoraSettings.Targets.parse(lo.targets()));
                if (lo.r() != null) b.loraRank(lo.r());
                if (lo.alpha() != null) b.loraAlpha(lo.alpha());
                if (lo.dropout() != null) b.loraDropout(lo.dropout());
                if (lo.rslora() != null) b.rslora(lo.rslora());
            }
            Recipe.Optimizer o = t.optimizer();
            if (o != null) {
                if (o.lr() != null) b.learningRate(o.lr());
                if (o.schedule() != null) b.schedule(LrSchedule.Kind.valueOf(o.schedule().toUpperCase(Locale.ROOT)));
                if (o.warmupSteps() != null) b.warmupSteps(o.warmupSteps());
                if (o.weightDecay() != null) b.weightDecay(o.weightDecay());
                if (o.maxGradNorm() != null) b.maxGradNorm(o.maxGradNorm());
            }
            if (t.epochs() != null) b.epochs(t.epochs());
            if (t.maxSteps() != null) b.maxSteps(t.maxSteps());
            if (t.batchSize() != null) b.batchSize(t.batchSize());
            if (t.gradAccum() != null) b.gradAccum(t.gradAccum());
            if (data.seqLen() != null) b.seqLen(data.seqLen());
            if (t.seed() != null) b.seed(t.seed());
            if (t.evalEvery() != null) b.evalEvery(t.evalEvery());
            if (t.saveEvery() != null) b.saveEvery(t.saveEvery());
            if (t.keepCheckpoints() != null) b.keepCheckpoints(t.keepCheckpoints());
            return b.build();
        }
    }

    /** A step that stopped because the run was asked to stop (Ctrl-C); its partial output is kept. */
    public static final class Stopped extends RuntimeException {
        public Stopped(String message) {
            super(message);
        }
    }

    // ------------------------------------------------------------------ merge

    public record Merge(Map<String, Object> settings) implements Step {
        public String name() {
            return "merge";
        }

        public String kind() {
            return "merge";
        }

        public List<String> inputs() {
            return List.of("base", "train");
        }

        public Outcome run(StepContext ctx) throws Exception {
            Object d = settings.get("dtype");
            DType type = d == null ? null : switch ((String) d) {
                case "fp32" -> DType.F32;
                case "fp16" -> DType.F16;
                default -> DType.BF16;
            };
            AdapterMerger.Result r = AdapterMerger.merge(ctx.input("base", "model"), ctx.input("train", "adapter"),
                    ctx.dir().resolve("model"), type, MAX_SHARD_BYTES, null);
            say(ctx, r.foldedModules() + " projections folded");
            return Outcome.of(Map.of("model", "model"));
        }
    }

    // ------------------------------------------------------------------ imatrix

    /** An importance matrix from the merged model's own forward pass (smelt imatrix). */
    public record Imatrix(List<String> data, int chunkSize, Integer chunks, String devices, Map<String, Object> settings) implements Step {
        public String name() {
            return "imatrix";
        }

        public String kind() {
            return "imatrix";
        }

        public List<String> inputs() {
            return List.of("merge");
        }

        public Outcome run(StepContext ctx) throws Exception {
            Path model = ctx.input("merge", "model");
            List<String> sources = RecipeLoader.resolvedSources(ctx.recipe(), data);
            List<int[]> chunkList = TextChunks.read(model, sources, TextSampling.DOCUMENT, null, chunkSize,
                    chunks == null ? Integer.MAX_VALUE : chunks, hubData(ctx));
            Path out = ctx.dir().resolve("imatrix.gguf");
            Device dev = Devices.parse(devices).get(0);
            try (LanguageModel lm = LanguageModel.open(ModelDirectory.open(model), dev, Precision.parse("auto").dataType(dev))) {
                ModelConfig config = lm.model().config();
                try (SquaredActivations sums = SquaredActivations.attach(lm.model(), m -> !m.equals("lm_head"))) {
                    for (int[] c : chunkList) sums.run(c);
                    Map<String, Linear> linears = lm.model().linearModules();
                    List<ImportanceMatrixWriter.Entry> entries = new ArrayList<>();
                    for (Map.Entry<String, SquaredActivations.ColumnSums> e : sums.sums().entrySet()) {
                        entries.add(ImportanceMatrixWriter.fromHuggingFace(config, e.getKey(),
                                linears.get(e.getKey()).outFeatures(), e.getValue().sumOfSquares(), e.getValue().rows()));
                    }
                    ImportanceMatrixWriter.write(out, entries, data, chunkList.size(), chunkSize);
                }
            }
            say(ctx, chunkList.size() + " chunks of " + chunkSize + " tokens");
            return new Outcome(Map.of("imatrix", "imatrix.gguf"), Map.of("chunks", chunkList.size()));
        }
    }

    // ------------------------------------------------------------------ GGUF

    /** One GGUF file of the merged model: a plain type, or a quantization mix in one streaming pass (with the imatrix). */
    public record Gguf(String type, String fileName, boolean withImatrix, Map<String, Object> settings) implements Step {
        public String name() {
            return "gguf-" + type;
        }

        public String kind() {
            return "gguf";
        }

        public List<String> inputs() {
            return withImatrix ? List.of("merge", "imatrix") : List.of("merge");
        }

        /** Whether this GGUF is quantized (and so measured by the KL / top-1 gates). */
        public boolean quantized() {
            return !RecipeLoader.PLAIN_GGUF_TYPES.contains(type.toLowerCase(Locale.ROOT));
        }

        public Outcome run(StepContext ctx) throws Exception {
            Path model = ctx.input("merge", "model");
            Path out = ctx.dir().resolve(fileName);
            String name = ctx.recipe().recipe().name();
            if (!quantized()) {
                OutputType t = OutputType.valueOf(type.toUpperCase(Locale.ROOT));
                GgufExport.export(model, out, new GgufExport.Options(t, name, null, null), new GgufExport.Listener() {});
            } else {
                QuantMix mix = QuantMix.parse(type);
                ImportanceMatrix im = withImatrix ? ImportanceMatrix.read(ctx.input("imatrix", "imatrix")) : null;
                ModelDirectory dir = ModelDirectory.open(model);
                try (SafetensorsModel weights = dir.weights()) {
                    GgufExport.Plan plan = GgufExport.plan(dir, weights, new GgufExport.Options(OutputType.F32, name, null, null));
                    GgufQuantizer.write(model.toString(), plan.metadata(), plan.tensors(), out,
                            new QuantizeOptions(mix, Runtime.getRuntime().availableProcessors(), false, false, im), quietWriter());
                }
            }
            say(ctx, fileName + " (" + Files.size(out) / 1024 + " KiB)");
            return Outcome.of(Map.of("gguf", fileName));
        }
    }

    /** llama.cpp's LoRA adapter GGUF of the trained adapter. */
    public record LoraGguf(String type, String fileName, Map<String, Object> settings) implements Step {
        public String name() {
            return "lora-gguf";
        }

        public String kind() {
            return "lora-gguf";
        }

        public List<String> inputs() {
            return List.of("base", "train");
        }

        public Outcome run(StepContext ctx) throws Exception {
            Path out = ctx.dir().resolve(fileName);
            LoraGgufExport.export(ctx.input("train", "adapter"), ctx.input("base", "model"), out,
                    new LoraGgufExport.Options(OutputType.valueOf(type.toUpperCase(Locale.ROOT)), ctx.recipe().recipe().name() + "-lora"),
                    quietWriter());
            return Outcome.of(Map.of("gguf", fileName));
        }
    }

    // ------------------------------------------------------------------ ONNX

    /** The ONNX folder of the merged model, one file per dtype. */
    public record Onnx(List<String> dtypes, Map<String, Object> settings) implements Step {
        public String name() {
            return "onnx";
        }

        public String kind() {
            return "onnx";
        }

        public List<String> inputs() {
            return List.of("merge");
        }

        public Outcome run(StepContext ctx) throws Exception {
            Path model = ctx.input("merge", "model");
            Path out = ctx.dir().resolve("onnx");
            for (String d : dtypes) {
                OnnxDtype dtype = OnnxDtype.parse(d);
                OnnxExport.Result r = OnnxExport.export(model, out, new OnnxExport.Options(dtype, null, null,
                        dtype.int4() ? new MatMulNBitsPacking() : null), new OnnxExport.Listener() {});
                say(ctx, out.relativize(r.model()) + " (" + r.weightCount() + " weights)");
            }
            return Outcome.of(Map.of("onnx", "onnx"));
        }
    }

    // ------------------------------------------------------------------ mmproj

    /** The base model's vision tower as llama.cpp's multimodal projector GGUF (LoRA training leaves it unchanged). */
    public record Mmproj(String type, String fileName, Map<String, Object> settings) implements Step {
        public String name() {
            return "mmproj";
        }

        public String kind() {
            return "mmproj";
        }

        public List<String> inputs() {
            return List.of("base");
        }

        public Outcome run(StepContext ctx) throws Exception {
            Path out = ctx.dir().resolve(fileName);
            MmprojExport.Result r = MmprojExport.export(ctx.input("base", "model"), out, OutputType.valueOf(type.toUpperCase(Locale.ROOT)),
                    ctx.recipe().recipe().name() + "-mmproj", quietWriter());
            say(ctx, fileName + " (" + r.tensorCount() + " tensors)");
            return Outcome.of(Map.of("gguf", fileName));
        }
    }

    // ------------------------------------------------------------------ gates

    /**
     * The quality gates: the trainer's final validation loss, and per quantized GGUF the mean KL divergence and top-1
     * agreement against the merged model (smelt quant-report's measurement). The outcome holds every value, passed or
     * not; the runner stops before bundling when one failed.
     */
    public record Gates(Recipe.Gates gates, List<String> ggufSteps, List<String> reportData, int chunkSize, Integer chunks,
            String devices, Map<String, Object> settings) implements Step {
        public String name() {
            return "gates";
        }

        public String kind() {
            return "gates";
        }

        public List<String> inputs() {
            List<String> in = new ArrayList<>(List.of("train", "merge"));
            in.addAll(ggufSteps);
            return in;
        }

        public Outcome run(StepContext ctx) throws Exception {
            List<Map<String, Object>> results = new ArrayList<>();
            if (gates.maxEvalLoss() != null) {
                Object v = ctx.inputs().get("train").values().get("eval_loss");
                if (v == null) throw new SmeltException("gates.max_eval_loss: training reported no validation loss (no validation rows?)");
                double loss = ((Number) v).doubleValue();
                results.add(gate("max_eval_loss", null, gates.maxEvalLoss(), loss, loss <= gates.maxEvalLoss()));
            }
            if ((gates.maxKl() != null || gates.minTop1() != null) && !ggufSteps.isEmpty()) {
                Path model = ctx.input("merge", "model");
                List<int[]> chunkList = TextChunks.read(model, RecipeLoader.resolvedSources(ctx.recipe(), reportData),
                        TextSampling.DOCUMENT, null, chunkSize, chunks == null ? Integer.MAX_VALUE : chunks, hubData(ctx));
                Device dev = Devices.parse(devices).get(0);
                for (String g : ggufSteps) {
                    Path gguf = ctx.input(g, "gguf");
                    LogitComparison.Summary s = QuantComparison.compare(model, gguf, chunkList, dev, Precision.parse("auto").dataType(dev));
                    String file = gguf.getFileName().toString();
                    if (gates.maxKl() != null) results.add(gate("max_kl", file, gates.maxKl(), s.meanKl(), s.meanKl() <= gates.maxKl()));
                    if (gates.minTop1() != null) {
                        results.add(gate("min_top1", file, gates.minTop1(), s.top1Agreement(), s.top1Agreement() >= gates.minTop1()));
                    }
                    say(ctx, String.format(Locale.ROOT, "%s: mean KL %.6f, top-1 agreement %.4f, perplexity %.4g -> %.4g", file,
                            s.meanKl(), s.top1Agreement(), s.perplexityReference(), s.perplexityCandidate()));
                }
            }
            boolean passed = results.stream().allMatch(r -> (Boolean) r.get("passed"));
            Path report = ctx.dir().resolve("gates.json");
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("passed", passed);
            doc.put("gates", results);
            RunReport.writeJson(report, doc);
            Map<String, Object> values = new LinkedHashMap<>();
            values.put("passed", passed);
            values.put("gates", results);
            return new Outcome(Map.of("report", "gates.json"), values);
        }

        private static Map<String, Object> gate(String name, String gguf, double limit, double value, boolean passed) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("gate", name);
            if (gguf != null) m.put("gguf", gguf);
            m.put("limit", limit);
            m.put("value", value);
            m.put("passed", passed);
            return m;
        }
    }

    // ------------------------------------------------------------------ bundle and push

    /** The release bundle (smelt bundle): merged model, adapter, GGUF files, ONNX folder, gate report, the recipe. */
    public record Bundle(Recipe.Bundle bundle, List<String> ggufSteps, boolean onnx, boolean mmproj, boolean gates, String fileName,
            Map<String, Object> settings) implements Step {
        public String name() {
            return "bundle";
        }

        public String kind() {
            return "bundle";
        }

        public List<String> inputs() {
            List<String> in = new ArrayList<>(List.of("base", "train", "merge"));
            in.addAll(ggufSteps);
            if (onnx) in.add("onnx");
            if (mmproj) in.add("mmproj");
            if (gates) in.add("gates");
            return in;
        }

        public Outcome run(StepContext ctx) throws Exception {
            Recipe r = ctx.recipe().recipe();
            List<Path> ggufs = new ArrayList<>();
            for (String g : ggufSteps) ggufs.add(ctx.input(g, "gguf"));
            List<Path> cards = new ArrayList<>();
            if (bundle.datasetCards() != null) for (String c : bundle.datasetCards()) cards.add(ctx.recipe().resolve(c));
            List<Path> metrics = gates ? List.of(ctx.input("gates", "report")) : List.of();
            Path out = ctx.dir().resolve(fileName);
            Bundler.Result res = Bundler.bundle(new BundleRequest(ctx.input("merge", "model"), ctx.input("train", "adapter"), ggufs,
                    mmproj ? ctx.input("mmproj", "gguf") : null, onnx ? ctx.input("onnx", "onnx") : null, ctx.input("base", "model"), r.name(), r.version(), out,
                    bundle.license(), cards, ctx.recipe().file(), metrics,
                    bundle.languages() == null ? List.of() : bundle.languages(), ctx.options().smeltVersion(), null,
                    bundle.zstdMinSaving()));
            say(ctx, res.manifest().files().size() + " files, licence " + res.manifest().license());
            return Outcome.of(Map.of("bundle", fileName));
        }
    }

    /** Uploads the bundle to the Hub (smelt push). */
    public record Push(Recipe.Push push, Map<String, Object> settings) implements Step {
        public String name() {
            return "push";
        }

        public String kind() {
            return "push";
        }

        public List<String> inputs() {
            return List.of("bundle");
        }

        public Outcome run(StepContext ctx) throws Exception {
            Recipe r = ctx.recipe().recipe();
            CommitResult c;
            try (UnpackedBundle b = UnpackedBundle.open(ctx.input("bundle", "bundle"))) {
                c = ctx.options().hub().get().push(new PushRequest(b.dir(), RepoType.MODEL, new RepoId(push.repo()),
                        push.revision(), true, Boolean.TRUE.equals(push.isPrivate()), "Release " + r.name() + " " + r.version()));
            }
            String where = c.commitUrl() != null ? c.commitUrl() : String.valueOf(c.commitOid());
            say(ctx, c.noChanges() ? "nothing changed on the Hub" : "committed " + where);
            Map<String, Object> values = new LinkedHashMap<>();
            values.put("repo", push.repo());
            if (where != null) values.put("commit", where);
            return new Outcome(Map.of(), values);
        }
    }

}
