package dev.smelt.recipe.format;

import dev.smelt.converter.onnx.OnnxDtype;
import dev.smelt.core.SmeltException;
import dev.smelt.models.Devices;
import dev.smelt.quantizer.mix.QuantMix;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a recipe: YAML with locations ({@link YamlTree}), then {@code --set} overrides, then {@code ${env:NAME}} and
 * {@code ${var}} substitution (vars from the recipe's {@code vars:}; {@code $${} writes a literal {@code ${}}), then
 * typing ({@link Binder}) and the checks between fields. Every problem names file, line, column and field.
 */
public final class RecipeLoader {
    private static final Pattern REF = Pattern.compile("\\$\\$\\{|\\$\\{(env:)?([A-Za-z_][A-Za-z0-9_.-]*)}");
    /** GGUF types that are plain element types rather than quantization mixes. */
    public static final Set<String> PLAIN_GGUF_TYPES = Set.of("f32", "f16", "bf16");

    private final Function<String, String> env;

    public RecipeLoader() {
        this(System::getenv);
    }

    /** A loader that reads {@code ${env:NAME}} from {@code env} (tests). */
    public RecipeLoader(Function<String, String> env) {
        this.env = env;
    }

    /** A recipe file read and checked, with where each field was written. */
    public record Loaded(Path file, Recipe recipe, Map<String, Location> locations) {
        /** The directory relative paths in the recipe are resolved against. */
        public Path baseDir() {
            Path p = file.toAbsolutePath().getParent();
            return p == null ? Path.of("").toAbsolutePath() : p;
        }

        /** A path written in the recipe: absolute, or relative to the recipe file. */
        public Path resolve(String path) {
            return baseDir().resolve(path).normalize();
        }
    }

    public Loaded load(Path file, List<String> overrides) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new SmeltException(file + ": no such recipe file");
        } catch (IOException e) {
            throw new SmeltException(file + ": " + e.getMessage());
        }
        return load(file, text, overrides);
    }

    /** {@code text} as the content of {@code file} (which need not exist; it names locations and anchors paths). */
    public Loaded load(Path file, String text, List<String> overrides) {
        Node root = YamlTree.parse(text, file.toString());
        List<String> problems = new ArrayList<>();
        if (root instanceof Node.MapNode m) {
            for (String o : overrides) set(m, o);
            substitute(m, problems);
            if (!problems.isEmpty()) throw new RecipeException(problems);
        }
        Binder b = new Binder();
        Recipe r = b.bindRecord(Recipe.class, root, "");
        problems.addAll(b.problems);
        if (problems.isEmpty()) {
            Loaded l = new Loaded(file, r, Map.copyOf(b.locations));
            check(l, problems);
            if (problems.isEmpty()) return l;
        }
        throw new RecipeException(inFileOrder(problems));
    }

    private static final Pattern POSITION = Pattern.compile(":(\\d+):(\\d+): ");

    /** Problems sorted by line and column (overrides, which have none, first), as an editor lists them. */
    private static List<String> inFileOrder(List<String> problems) {
        List<String> out = new ArrayList<>(problems);
        out.sort(Comparator.comparingLong(RecipeLoader::position));
        return out;
    }

    private static long position(String problem) {
        Matcher m = POSITION.matcher(problem);
        return m.find() ? Long.parseLong(m.group(1)) * 100_000 + Long.parseLong(m.group(2)) : 0;
    }

    // ---------------------------------------------------------------- overrides

    /** {@code a.b.c=value}: value read as YAML (so {@code [Q8_0, Q4_K_M]} is a list), mappings created on the way. */
    private static void set(Node.MapNode root, String assignment) {
        int eq = assignment.indexOf('=');
        if (eq <= 0) throw new RecipeException(List.of("--set " + assignment + ": expected KEY.PATH=VALUE, e.g. train.lora.r=32"));
        String path = assignment.substring(0, eq).trim();
        String valueText = assignment.substring(eq + 1);
        Location at = Location.override(assignment);
        Node value = valueText.isBlank() ? new Node.Scalar(at, null, Node.Kind.NULL) : relocate(YamlTree.parse(valueText, at.source()), at);
        String[] keys = path.split("\\.");
        Node.MapNode m = root;
        for (int i = 0; i < keys.length - 1; i++) {
            Node.Entry e = m.entries().get(keys[i]);
            if (e == null || !(e.value() instanceof Node.MapNode)) {
                Node.MapNode fresh = new Node.MapNode(at);
                m.entries().put(keys[i], new Node.Entry(at, fresh));
                m = fresh;
            } else {
                m = (Node.MapNode) e.value();
            }
        }
        m.entries().put(keys[keys.length - 1], new Node.Entry(at, value));
    }

    private static Node relocate(Node n, Location at) {
        if (n instanceof Node.Scalar s) return new Node.Scalar(at, s.text(), s.kind());
        if (n instanceof Node.ListNode l) {
            Node.ListNode out = new Node.ListNode(at);
            for (Node i : l.items()) out.items().add(relocate(i, at));
            return out;
        }
        Node.MapNode m = (Node.MapNode) n;
        Node.MapNode out = new Node.MapNode(at);
        m.entries().forEach((k, e) -> out.entries().put(k, new Node.Entry(at, relocate(e.value(), at))));
        return out;
    }

    // ---------------------------------------------------------------- substitution

    private void substitute(Node.MapNode root, List<String> problems) {
        Map<String, String> vars = new HashMap<>();
        Node.Entry varsEntry = root.entries().get("vars");
        if (varsEntry != null && varsEntry.value() instanceof Node.MapNode vm) {
            for (Map.Entry<String, Node.Entry> e : vm.entries().entrySet()) {
                if (e.getValue().value() instanceof Node.Scalar s && s.text() != null) {
                    Node.Scalar done = expand(s, Map.of(), "vars." + e.getKey(), problems);
                    vm.entries().put(e.getKey(), new Node.Entry(e.getValue().keyLocation(), done));
                    vars.put(e.getKey(), done.text());
                }
            }
        }
        for (Map.Entry<String, Node.Entry> e : root.entries().entrySet()) {
            if (e.getKey().equals("vars")) continue;
            e.setValue(new Node.Entry(e.getValue().keyLocation(), walk(e.getValue().value(), vars, e.getKey(), problems)));
        }
    }

    private Node walk(Node n, Map<String, String> vars, String path, List<String> problems) {
        if (n instanceof Node.Scalar s) return s.text() == null ? s : expand(s, vars, path, problems);
        if (n instanceof Node.ListNode l) {
            for (int i = 0; i < l.items().size(); i++) l.items().set(i, walk(l.items().get(i), vars, path + "[" + i + "]", problems));
            return l;
        }
        Node.MapNode m = (Node.MapNode) n;
        for (Map.Entry<String, Node.Entry> e : m.entries().entrySet()) {
            e.setValue(new Node.Entry(e.getValue().keyLocation(), walk(e.getValue().value(), vars, path + "." + e.getKey(), problems)));
        }
        return m;
    }

    private Node.Scalar expand(Node.Scalar s, Map<String, String> vars, String path, List<String> problems) {
        if (!s.text().contains("${")) return s;
        Matcher m = REF.matcher(s.text());
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String rep;
            if (m.group().equals("$${")) {
                rep = "${";
            } else if (m.group(1) != null) {
                rep = env.apply(m.group(2));
                if (rep == null) {
                    problems.add(s.location() + ": " + path + ": environment variable " + m.group(2) + " is not set");
                    rep = "";
                }
            } else {
                rep = vars.get(m.group(2));
                if (rep == null) {
                    problems.add(s.location() + ": " + path + ": ${" + m.group(2) + "} is not defined"
                            + (vars.isEmpty() ? " (define it under vars:)" : " (vars: " + String.join(", ", vars.keySet()) + ")"));
                    rep = "";
                }
            }
            m.appendReplacement(out, Matcher.quoteReplacement(rep));
        }
        m.appendTail(out);
        // typed by the field it fills: "${steps}" can be a number
        return new Node.Scalar(s.location(), out.toString(), Node.Kind.STRING);
    }

    // ---------------------------------------------------------------- checks between fields

    private static void check(Loaded l, List<String> problems) {
        Recipe r = l.recipe();
        Map<String, Location> at = l.locations();
        Recipe.Base b = r.base();
        int kinds = (b.hub() != null ? 1 : 0) + (b.dir() != null ? 1 : 0) + (b.tiny() != null ? 1 : 0);
        if (kinds != 1) problems.add(at.get("base") + ": base must have exactly one of hub, dir or tiny");
        if (b.tiny() != null && Boolean.TRUE.equals(b.tiny().vision()) && !b.tiny().arch().equals("qwen3_5")) {
            problems.add(at.get("base.tiny.vision") + ": base.tiny.vision exists only for qwen3_5, not " + b.tiny().arch());
        }
        if (b.revision() != null && b.hub() == null) problems.add(at.get("base.revision") + ": base.revision goes with base.hub");
        if (b.dir() != null && !Files.isDirectory(l.resolve(b.dir()))) {
            problems.add(at.get("base.dir") + ": base.dir " + l.resolve(b.dir()) + " is not a directory");
        }
        sources(l, "data.sources", r.data().sources(), problems);
        if (r.data().valSources() != null) sources(l, "data.val_sources", r.data().valSources(), problems);
        if (r.data().sources().isEmpty()) problems.add(at.get("data.sources") + ": data.sources must name at least one source");
        Recipe.Train t = r.train();
        if (t != null && t.devices() != null) {
            try {
                Devices.parse(t.devices());
            } catch (SmeltException e) {
                problems.add(at.get("train.devices") + ": train." + e.getMessage());
            }
        }
        if (t != null && t.lora() != null && t.lora().targets() != null && t.lora().targets().isBlank()) {
            problems.add(at.get("train.lora.targets") + ": train.lora.targets must be all-linear or module names");
        }
        Recipe.Export x = r.export();
        List<String> ggufTypes = x != null && x.gguf() != null && x.gguf().types() != null ? x.gguf().types() : List.of();
        for (int i = 0; i < ggufTypes.size(); i++) {
            String ty = ggufTypes.get(i);
            if (PLAIN_GGUF_TYPES.contains(ty.toLowerCase(Locale.ROOT))) continue;
            try {
                QuantMix.parse(ty);
            } catch (SmeltException e) {
                problems.add(at.get("export.gguf.types[" + i + "]") + ": export.gguf.types[" + i + "]: " + e.getMessage());
            }
        }
        if (ggufTypes.stream().map(s -> s.toUpperCase(Locale.ROOT)).distinct().count() != ggufTypes.size()) {
            problems.add(at.get("export.gguf.types") + ": export.gguf.types names a type twice");
        }
        if (x != null && x.onnx() != null && x.onnx().dtypes() != null) {
            List<String> d = x.onnx().dtypes();
            for (int i = 0; i < d.size(); i++) {
                try {
                    OnnxDtype.parse(d.get(i));
                } catch (SmeltException e) {
                    problems.add(at.get("export.onnx.dtypes[" + i + "]") + ": export.onnx.dtypes[" + i + "]: " + e.getMessage());
                }
            }
            if (d.isEmpty()) problems.add(at.get("export.onnx.dtypes") + ": export.onnx.dtypes must name at least one dtype");
        }
        Recipe.Gates g = r.gates();
        if (g != null) {
            boolean validation = (r.data().valSplit() != null && r.data().valSplit() > 0) || r.data().valSources() != null;
            if (g.maxEvalLoss() != null && !validation) {
                problems.add(at.get("gates.max_eval_loss") + ": gates.max_eval_loss needs validation data (data.val_split or data.val_sources)");
            }
            boolean quantized = ggufTypes.stream().anyMatch(s -> !PLAIN_GGUF_TYPES.contains(s.toLowerCase(Locale.ROOT)));
            for (String k : new String[] {"max_kl", "min_top1"}) {
                if (at.containsKey("gates." + k) && (k.equals("max_kl") ? g.maxKl() : g.minTop1()) != null && !quantized) {
                    problems.add(at.get("gates." + k) + ": gates." + k + " measures quantized GGUFs; export.gguf.types names none");
                }
            }
            if (g.report() != null && g.report().data() != null) sources(l, "gates.report.data", g.report().data(), problems);
        }
        if (x != null && x.gguf() != null && x.gguf().imatrix() != null && x.gguf().imatrix().data() != null) {
            sources(l, "export.gguf.imatrix.data", x.gguf().imatrix().data(), problems);
        }
        if (x != null && x.mmproj() != null && b.tiny() != null && !Boolean.TRUE.equals(b.tiny().vision())) {
            problems.add(at.get("export.mmproj") + ": export.mmproj needs a vision tower; the tiny base has none (base.tiny.vision: true)");
        }
        if (r.sweep() != null) {
            Map<String, List<String>> grid = r.sweep().grid();
            if (grid.isEmpty()) problems.add(at.get("sweep.grid") + ": sweep.grid must name at least one field");
            for (Map.Entry<String, List<String>> e : grid.entrySet()) {
                Location where = at.get("sweep.grid." + e.getKey());
                String problem = e.getKey().equals("name") || e.getKey().startsWith("sweep") ? "a sweep cannot vary " + e.getKey()
                        : RecipeFields.problem(e.getKey());
                if (problem != null) problems.add(where + ": sweep.grid." + e.getKey() + ": " + problem);
                if (e.getValue() != null && e.getValue().isEmpty()) {
                    problems.add(where + ": sweep.grid." + e.getKey() + " must list at least one value");
                }
            }
        }
        if (r.push() != null && r.bundle() == null) problems.add(at.get("push") + ": push uploads the bundle; add a bundle: section");
        if (r.push() != null && !r.push().repo().matches("[A-Za-z0-9][\\w.-]*/[\\w.-]+")) {
            problems.add(at.get("push.repo") + ": push.repo must be namespace/name, got \"" + r.push().repo() + "\"");
        }
        if (r.bundle() != null && r.bundle().datasetCards() != null) {
            List<String> cards = r.bundle().datasetCards();
            for (int i = 0; i < cards.size(); i++) {
                if (!Files.isDirectory(l.resolve(cards.get(i)))) {
                    problems.add(at.get("bundle.dataset_cards[" + i + "]") + ": bundle.dataset_cards[" + i + "] " + l.resolve(cards.get(i))
                            + " is not a directory");
                }
            }
        }
    }

    /** Local sources must exist (globs and hf:// sources are checked when the data is read). */
    private static void sources(Loaded l, String field, List<String> sources, List<String> problems) {
        for (int i = 0; i < sources.size(); i++) {
            String s = sources.get(i);
            if (s.startsWith("hf://") || s.contains("*") || s.contains("?") || s.contains("[")) continue;
            if (!Files.exists(l.resolve(s))) {
                problems.add(l.locations().get(field + "[" + i + "]") + ": " + field + "[" + i + "] " + l.resolve(s) + " does not exist");
            }
        }
    }

    /** The recipe's data sources as the data preparer reads them: local paths made absolute against the recipe. */
    public static List<String> resolvedSources(Loaded l, List<String> sources) {
        List<String> out = new ArrayList<>();
        for (String s : sources) out.add(s.startsWith("hf://") ? s : l.resolve(s).toString());
        return out;
    }
}
