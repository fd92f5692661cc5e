package dev.smelt.bundle.assemble;

import dev.smelt.bundle.archive.ArchiveEntry;
import dev.smelt.bundle.archive.ArchiveFormat;
import dev.smelt.bundle.archive.ArchiveWriter;
import dev.smelt.bundle.card.BundleFacts;
import dev.smelt.bundle.card.EdgeTier;
import dev.smelt.bundle.card.ModelCardWriter;
import dev.smelt.bundle.card.NoticeWriter;
import dev.smelt.bundle.license.LicenseGate;
import dev.smelt.bundle.manifest.Checksums;
import dev.smelt.bundle.manifest.EntryHasher;
import dev.smelt.bundle.manifest.FileRecord;
import dev.smelt.bundle.manifest.Manifest;
import dev.smelt.bundle.provenance.GgufProvenance;
import dev.smelt.bundle.provenance.OnnxProvenance;
import dev.smelt.bundle.provenance.Provenance;
import dev.smelt.bundle.provenance.SafetensorsProvenance;
import dev.smelt.converter.gguf.GgufReader;
import dev.smelt.converter.gguf.GgufValue;
import dev.smelt.converter.gguf.vocab.GgufKeys;
import dev.smelt.core.SmeltException;
import dev.smelt.core.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.Future;

/**
 * Builds a release bundle: gates the licence, stamps provenance into every GGUF, safetensors and ONNX file while
 * streaming it into the archive (no staging copy), writes LICENSE, NOTICE, the model card, metrics and
 * recipe, and ends with MANIFEST.json and SHA256SUMS over everything before them (each entry hashed on a thread of
 * its own from a second read of its inputs while the archive stream writes it; an input changed meanwhile is an
 * error). Entries are sorted, with one
 * mtime; the same inputs give the same archive bytes. The archive appears atomically.
 */
public final class Bundler {
    private static final String NAME_CHARS = "[A-Za-z0-9][A-Za-z0-9._-]*";

    private Bundler() {}

    public record Result(Path out, ArchiveFormat format, Manifest manifest) {}

    public static Result bundle(BundleRequest r) throws IOException {
        ArchiveFormat format = ArchiveFormat.of(r.out());
        Plan plan = plan(r);
        Path out = r.out().toAbsolutePath();
        List<FileRecord> records = new ArrayList<>();
        try (EntryHasher hasher = new EntryHasher()) {
            AtomicFiles.writeDiscardingOnExit(out, (ch, file) -> {
                try (ArchiveWriter w = format.writer(ch, file, plan.mtime(),
                        r.zstdMinSaving() == null ? ArchiveFormat.ZSTD_MIN_SAVING : r.zstdMinSaving())) {
                    List<Future<FileRecord>> hashes = new ArrayList<>();
                    for (ArchiveEntry e : plan.entries()) {
                        hashes.add(hasher.start(e));
                        w.add(e);
                    }
                    hasher.useAllThreads();
                    w.sync(); // the device flushes the payload while the last hashes finish
                    for (Future<FileRecord> h : hashes) records.add(EntryHasher.await(h));
                    Manifest manifest = new Manifest(r.name(), r.version(), plan.provenance().licenseId(), r.smeltVersion(),
                            plan.mtime(), records);
                    w.add(ArchiveEntry.of(Manifest.FILE, manifest.toJson()));
                    w.add(ArchiveEntry.of(Checksums.FILE, Checksums.format(records)));
                }
                plan.inputs().requireUnchanged();
            });
        }
        return new Result(out, format, new Manifest(r.name(), r.version(), plan.provenance().licenseId(),
                r.smeltVersion(), plan.mtime(), records));
    }

    /** Every payload entry, sorted, with the facts behind the card. Nothing is written. */
    public record Plan(List<ArchiveEntry> entries, Provenance provenance, BundleFacts facts, Instant mtime, InputStamps inputs) {}

    public static Plan plan(BundleRequest r) throws IOException {
        checkName(r.name(), "--name");
        checkName(r.version(), "--version");
        if (r.model() == null && r.adapter() == null && r.gguf().isEmpty() && r.onnx() == null) {
            throw new SmeltException("nothing to bundle: give --model, --adapter, --gguf or --onnx");
        }
        if (r.model() != null) BundleInputs.requireDir(r.model(), "--model");
        if (r.adapter() != null) BundleInputs.requireDir(r.adapter(), "--adapter");
        if (r.onnx() != null) BundleInputs.requireDir(r.onnx(), "--onnx");
        Path baseDir = BundleInputs.baseDir(r);
        LicenseGate.Decision license = LicenseGate.decide(baseDir, r.license());
        List<String> bases = BundleInputs.baseModels(r, baseDir);
        List<String> tags = tags(r);
        String template = BundleInputs.chatTemplate(r.model(), r.adapter(), baseDir);
        Provenance p = new Provenance(license.id(), license.name(), license.link(), bases, tags, template, r.smeltVersion());

        List<Path> inputs = new ArrayList<>();
        List<ArchiveEntry> entries = new ArrayList<>();
        if (r.model() != null) addTree(entries, inputs, BundleLayout.MODEL, r.model(), p, false);
        if (r.adapter() != null) addTree(entries, inputs, BundleLayout.ADAPTER, r.adapter(), p, true);
        if (r.onnx() != null) addTree(entries, inputs, BundleLayout.ONNX, r.onnx(), p, false);
        List<EdgeTier> tiers = new ArrayList<>();
        long runtime = r.gguf().isEmpty() ? -1 : BundleInputs.runtimeBytes(r.model(), baseDir);
        for (Path g : r.gguf()) addGguf(entries, inputs, tiers, r, g, p, false, runtime);
        if (r.mmproj() != null) addGguf(entries, inputs, tiers, r, r.mmproj(), p, true, runtime);
        if (r.adapter() != null) {
            for (String f : BundleInputs.TRAINING_METRICS) {
                Path file = r.adapter().resolve(f);
                if (Files.isRegularFile(file)) addFile(entries, inputs, BundleLayout.METRICS + f, file);
            }
        }
        for (Path m : r.metrics()) {
            if (!Files.isRegularFile(m)) throw new SmeltException("--metrics " + m + ": not a file");
            addFile(entries, inputs, BundleLayout.METRICS + m.getFileName(), m);
        }
        if (r.recipe() != null) {
            if (!Files.isRegularFile(r.recipe())) throw new SmeltException("--recipe " + r.recipe() + ": not a file");
            addFile(entries, inputs, BundleLayout.RECIPE, r.recipe());
        }
        inputs.add(baseDir.resolve("README.md"));
        inputs.removeIf(f -> !Files.exists(f));

        BundleFacts facts = new BundleFacts(r.name(), r.version(), license.id(), license.name(), bases,
                BundleInputs.revision(baseDir), license.base() == null ? null : license.base().id(), relation(r),
                library(r), tags, BundleInputs.datasets(r.datasetCards()), BundleInputs.languages(r, baseDir),
                r.smeltVersion(), BundleInputs.hyperParameters(r.adapter()), BundleInputs.evaluation(r.adapter()),
                tiers, r.model() != null, r.adapter() != null,
                entries.stream().map(ArchiveEntry::path).filter(e -> e.startsWith(BundleLayout.ONNX) && e.endsWith(".onnx")).toList());
        entries.add(ArchiveEntry.of(BundleLayout.LICENSE, license.text()));
        entries.add(ArchiveEntry.of(BundleLayout.NOTICE, NoticeWriter.render(facts)));
        entries.add(ArchiveEntry.of(BundleLayout.README, ModelCardWriter.render(facts)));
        entries.sort(Comparator.comparing(ArchiveEntry::path));
        for (int i = 1; i < entries.size(); i++) {
            if (entries.get(i).path().equals(entries.get(i - 1).path())) {
                throw new SmeltException("two inputs map to the same bundle path " + entries.get(i).path());
            }
        }
        return new Plan(List.copyOf(entries), p, facts, BundleInputs.mtime(r, inputs), InputStamps.of(inputs));
    }

    private static void checkName(String v, String flag) {
        if (v == null || !v.matches(NAME_CHARS)) {
            throw new SmeltException(flag + " '" + v + "': expected letters, digits, '.', '_' or '-' (starting with a letter or digit)");
        }
    }

    private static List<String> tags(BundleRequest r) {
        TreeMap<String, Boolean> t = new TreeMap<>();
        t.put("smelt", true);
        t.put("text-generation", true);
        if (!r.gguf().isEmpty()) t.put("gguf", true);
        if (r.onnx() != null) t.put("onnx", true);
        if (r.adapter() != null) {
            t.put("lora", true);
            t.put("peft", true);
        }
        return List.copyOf(t.keySet());
    }

    private static String relation(BundleRequest r) {
        if (r.model() == null && r.adapter() != null) return "adapter";
        if (r.model() == null && r.adapter() == null) return "quantized";
        return "finetune";
    }

    private static String library(BundleRequest r) {
        if (r.model() != null) return "transformers";
        if (r.adapter() != null) return "peft";
        return r.onnx() != null && r.gguf().isEmpty() ? "onnx" : "gguf";
    }

    private static void addTree(List<ArchiveEntry> entries, List<Path> inputs, String prefix, Path dir, Provenance p,
            boolean adapter) throws IOException {
        for (String rel : BundleInputs.files(dir)) {
            if (adapter && (rel.contains("/") || BundleInputs.TRAINING_METRICS.contains(rel))) continue;
            Path file = dir.resolve(rel);
            inputs.add(file);
            String path = prefix + rel;
            if (rel.endsWith(".safetensors")) entries.add(SafetensorsProvenance.entry(path, file, p));
            else if (rel.endsWith(".onnx")) entries.add(OnnxProvenance.entry(path, file, p));
            else if (rel.endsWith(".gguf")) entries.add(GgufProvenance.entry(path, file, p));
            else entries.add(ArchiveEntry.copyOf(path, file));
        }
    }

    private static void addFile(List<ArchiveEntry> entries, List<Path> inputs, String path, Path file) throws IOException {
        inputs.add(file);
        entries.add(ArchiveEntry.copyOf(path, file));
    }

    private static void addGguf(List<ArchiveEntry> entries, List<Path> inputs, List<EdgeTier> tiers, BundleRequest r,
            Path gguf, Provenance p, boolean mmproj, long runtime) throws IOException {
        if (!Files.isRegularFile(gguf)) throw new SmeltException((mmproj ? "--mmproj " : "--gguf ") + gguf + ": not a file");
        String type;
        boolean isMmproj;
        try (GgufReader g = GgufReader.open(gguf)) {
            type = BundleInputs.ggufType(g);
            isMmproj = mmproj || g.metadata().get(GgufKeys.General.TYPE) instanceof GgufValue.Str s
                    && s.value().equals(GgufKeys.GeneralType.MMPROJ);
        }
        String path = BundleLayout.ggufName(r.name(), r.version(), (isMmproj ? "mmproj-" : "") + type);
        ArchiveEntry e = GgufProvenance.entry(path, gguf, p);
        inputs.add(gguf);
        entries.add(e);
        if (!isMmproj) tiers.add(new EdgeTier(path, e.size(), runtime));
    }
}
