package dev.smelt.recipe.run;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.smelt.recipe.format.Recipe;
import dev.smelt.recipe.format.RecipeLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * A recipe's steps in the order they run, each with its key: SHA-256 of its name, its resolved settings and its
 * inputs' keys (local files in the settings by content hash), so a step's key changes exactly when something that
 * decides its output changes, and everything after it changes with it.
 */
public record Plan(List<Step> steps, Map<String, String> keys) {
    static final ObjectMapper JSON = new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

    /** A step's directory name under {@code workDir/STEP/}: the first 16 hex digits of its key. */
    public String shortKey(String step) {
        return keys.get(step).substring(0, 16);
    }

    public Step step(String name) {
        return steps.stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
    }

    public static Plan of(RecipeLoader.Loaded l) {
        Recipe r = l.recipe();
        List<Step> steps = new ArrayList<>();
        steps.add(base(l));
        Map<String, Object> train = settings("data", r.data(), "data_hashes", hashes(l, r.data().sources()),
                "val_hashes", r.data().valSources() == null ? List.of() : hashes(l, r.data().valSources()), "train", r.train());
        steps.add(new Steps.Train(r.data(), r.train(), train));
        Recipe.Export x = r.export() != null ? r.export() : new Recipe.Export(null, null, null, null);
        String dtype = x.merge() != null ? x.merge().dtype() : null;
        steps.add(new Steps.Merge(settings("dtype", dtype)));
        String devices = r.train() != null && r.train().devices() != null ? r.train().devices().split(",")[0] : "cpu";
        List<String> types = x.gguf() != null && x.gguf().types() != null ? x.gguf().types() : List.of();
        boolean quantized = types.stream().anyMatch(t -> !RecipeLoader.PLAIN_GGUF_TYPES.contains(t.toLowerCase(Locale.ROOT)));
        boolean imatrix = quantized && x.gguf().imatrix() != null;
        if (imatrix) {
            Recipe.Imatrix im = x.gguf().imatrix();
            List<String> data = im.data() != null ? im.data() : r.data().sources();
            int chunk = im.chunkSize() != null ? im.chunkSize() : 512;
            steps.add(new Steps.Imatrix(data, chunk, im.chunks(), devices,
                    settings("data_hashes", hashes(l, data), "chunk_size", chunk, "chunks", im.chunks(), "devices", devices)));
        }
        List<String> ggufSteps = new ArrayList<>();
        List<String> quantSteps = new ArrayList<>();
        for (String t : types) {
            boolean plain = RecipeLoader.PLAIN_GGUF_TYPES.contains(t.toLowerCase(Locale.ROOT));
            String type = plain ? t.toLowerCase(Locale.ROOT) : t.toUpperCase(Locale.ROOT);
            String file = r.name() + "-" + type + ".gguf";
            Steps.Gguf g = new Steps.Gguf(type, file, imatrix && !plain, settings("type", type, "file", file, "imatrix", imatrix && !plain));
            steps.add(g);
            ggufSteps.add(g.name());
            if (g.quantized()) quantSteps.add(g.name());
        }
        if (x.gguf() != null && Boolean.TRUE.equals(x.gguf().lora())) {
            String type = x.gguf().loraType() != null ? x.gguf().loraType() : "f16";
            String file = r.name() + "-lora-" + type + ".gguf";
            steps.add(new Steps.LoraGguf(type, file, settings("type", type, "file", file)));
        }
        boolean onnx = x.onnx() != null && x.onnx().dtypes() != null && !x.onnx().dtypes().isEmpty();
        if (onnx) {
            List<String> dtypes = x.onnx().dtypes().stream().map(d -> d.toLowerCase(Locale.ROOT)).toList();
            steps.add(new Steps.Onnx(dtypes, settings("dtypes", dtypes)));
        }
        boolean mmproj = x.mmproj() != null;
        if (mmproj) {
            String type = x.mmproj().type() != null ? x.mmproj().type() : "f16";
            String file = r.name() + "-mmproj-" + type + ".gguf";
            steps.add(new Steps.Mmproj(type, file, settings("type", type, "file", file)));
        }
        boolean gates = r.gates() != null;
        if (gates) {
            Recipe.Report rep = r.gates().report();
            List<String> data = rep != null && rep.data() != null ? rep.data() : r.data().sources();
            int chunk = rep != null && rep.chunkSize() != null ? rep.chunkSize() : 512;
            Integer chunks = rep != null ? rep.chunks() : null;
            steps.add(new Steps.Gates(r.gates(), quantSteps, data, chunk, chunks, devices,
                    settings("gates", r.gates(), "data_hashes", hashes(l, data), "devices", devices)));
        }
        if (r.bundle() != null) {
            String format = r.bundle().format() != null ? r.bundle().format() : "tar.gz";
            String file = r.name() + "-" + r.version() + "." + format;
            steps.add(new Steps.Bundle(r.bundle(), ggufSteps, onnx, mmproj, gates, file, settings("bundle", r.bundle(), "name", r.name(),
                    "version", r.version(), "file", file, "recipe_hash", ContentHash.ofPath(l.file()))));
        }
        if (r.push() != null) steps.add(new Steps.Push(r.push(), settings("push", r.push())));
        return new Plan(List.copyOf(steps), keys(steps));
    }

    private static Step base(RecipeLoader.Loaded l) {
        Recipe.Base b = l.recipe().base();
        Map<String, Object> s;
        if (b.tiny() != null) {
            s = settings("tiny", b.tiny());
        } else if (b.dir() != null) {
            Path dir = l.resolve(b.dir());
            s = settings("dir", dir.toString(), "content", ContentHash.ofPath(dir));
        } else {
            s = settings("hub", b.hub(), "revision", b.revision() == null ? "main" : b.revision());
        }
        return new Steps.Base(b, s);
    }

    private static List<String> hashes(RecipeLoader.Loaded l, List<String> sources) {
        List<String> out = new ArrayList<>();
        for (String s : RecipeLoader.resolvedSources(l, sources)) out.add(s.startsWith("hf://") ? s : ContentHash.ofPath(Path.of(s)));
        return out;
    }

    /** Key/value pairs as a map; records become maps of their components, so settings are plain JSON. */
    static Map<String, Object> settings(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            Object v = kv[i + 1];
            if (v instanceof Record) v = JSON.convertValue(v, new TypeReference<Map<String, Object>>() {});
            m.put((String) kv[i], v);
        }
        return m;
    }

    private static Map<String, String> keys(List<Step> steps) {
        Map<String, String> keys = new LinkedHashMap<>();
        for (Step s : steps) {
            Map<String, Object> doc = new TreeMap<>();
            doc.put("step", s.name());
            doc.put("settings", s.settings());
            Map<String, String> in = new TreeMap<>();
            for (String i : s.inputs()) in.put(i, keys.get(i));
            doc.put("inputs", in);
            try {
                keys.put(s.name(), ContentHash.of(JSON.writeValueAsString(doc)));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        return keys;
    }
}
