package dev.smelt.trainer.peft;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.smelt.core.SmeltException;
import dev.smelt.core.io.AtomicFiles;
import dev.smelt.trainer.lora.LoraSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * {@code adapter_config.json} of a PEFT LoRA adapter. Per-module rank/alpha overrides
 * ({@code rank_pattern}, {@code alpha_pattern}) are honoured when loading, with PEFT's rule: a key
 * matches a module when the module name ends with it at a "." boundary (key read as a regex).
 */
public record AdapterConfig(
        int r,
        double loraAlpha,
        double loraDropout,
        boolean useRslora,
        LoraSettings.Targets targetModules,
        String baseModelNameOrPath,
        String revision,
        Map<String, Integer> rankPattern,
        Map<String, Double> alphaPattern) {

    public static final String FILE = "adapter_config.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public AdapterConfig {
        rankPattern = Map.copyOf(rankPattern);
        alphaPattern = Map.copyOf(alphaPattern);
    }

    public static AdapterConfig of(LoraSettings s, String baseModel, String revision) {
        return new AdapterConfig(s.r(), s.alpha(), s.dropout(), s.useRslora(), s.targets(), baseModel, revision,
                Map.of(), Map.of());
    }

    public LoraSettings settings() {
        return new LoraSettings(r, loraAlpha, loraDropout, useRslora, targetModules);
    }

    /** Alpha for one module (alpha_pattern first, then lora_alpha). */
    public double alphaFor(String module) {
        for (Map.Entry<String, Double> e : alphaPattern.entrySet()) {
            if (patternMatches(e.getKey(), module)) return e.getValue();
        }
        return loraAlpha;
    }

    /** Scaling of B·A for a module whose A has {@code rank} rows. */
    public double scalingFor(String module, int rank) {
        return LoraSettings.scaling(alphaFor(module), rank, useRslora);
    }

    static boolean patternMatches(String key, String module) {
        return Pattern.compile("(.*\\.)?(" + key + ")$").matcher(module).matches();
    }

    public ObjectNode toJson() {
        ObjectNode o = JSON.createObjectNode();
        o.putObject("alpha_pattern");
        o.putNull("auto_mapping");
        if (baseModelNameOrPath == null) o.putNull("base_model_name_or_path");
        else o.put("base_model_name_or_path", baseModelNameOrPath);
        o.put("bias", "none");
        o.put("fan_in_fan_out", false);
        o.put("inference_mode", true);
        o.put("init_lora_weights", true);
        o.putNull("layers_pattern");
        o.putNull("layers_to_transform");
        if (loraAlpha == Math.rint(loraAlpha)) o.put("lora_alpha", (long) loraAlpha);
        else o.put("lora_alpha", loraAlpha);
        o.put("lora_dropout", loraDropout);
        o.putNull("modules_to_save");
        o.put("peft_type", "LORA");
        o.put("r", r);
        ObjectNode rp = o.putObject("rank_pattern");
        rankPattern.forEach(rp::put);
        ObjectNode ap = (ObjectNode) o.get("alpha_pattern");
        alphaPattern.forEach(ap::put);
        if (revision == null) o.putNull("revision");
        else o.put("revision", revision);
        if (targetModules instanceof LoraSettings.Targets.AllLinear) {
            o.put("target_modules", "all-linear");
        } else if (targetModules instanceof LoraSettings.Targets.Regex re) {
            o.put("target_modules", re.pattern());
        } else if (targetModules instanceof LoraSettings.Targets.Names n) {
            var arr = o.putArray("target_modules");
            n.names().forEach(arr::add);
        }
        o.put("task_type", "CAUSAL_LM");
        o.put("use_dora", false);
        o.put("use_rslora", useRslora);
        return o;
    }

    public void write(Path dir) throws IOException {
        AtomicFiles.writeString(dir.resolve(FILE), JSON.writeValueAsString(toJson()) + "\n");
    }

    public static AdapterConfig read(Path dir) {
        Path file = dir.resolve(FILE);
        JsonNode root;
        try {
            root = JSON.readTree(Files.readString(file));
        } catch (NoSuchFileException e) {
            throw new SmeltException(file + ": no such file (an adapter directory needs adapter_config.json)");
        } catch (IOException e) {
            throw new SmeltException(file + ": invalid JSON: " + e.getMessage().lines().findFirst().orElse(""), e);
        }
        return parse(file.toString(), root);
    }

    static AdapterConfig parse(String file, JsonNode root) {
        if (root == null || !root.isObject()) throw new SmeltException(file + ": expected a JSON object");
        String peftType = text(root, "peft_type", "LORA");
        if (!peftType.equals("LORA")) {
            throw new SmeltException(file + ": field \"peft_type\" is \"" + peftType + "\"; only LORA adapters are supported");
        }
        if (root.path("use_dora").asBoolean(false)) {
            throw new SmeltException(file + ": field \"use_dora\" is true; DoRA adapters are not supported");
        }
        String bias = text(root, "bias", "none");
        if (!bias.equals("none")) {
            throw new SmeltException(file + ": field \"bias\" is \"" + bias + "\"; only \"none\" is supported");
        }
        if (root.path("fan_in_fan_out").asBoolean(false)) {
            throw new SmeltException(file + ": field \"fan_in_fan_out\" is true; expected false for Llama/Qwen linear layers");
        }
        JsonNode mts = root.get("modules_to_save");
        if (mts != null && !mts.isNull() && !(mts.isArray() && mts.isEmpty())) {
            throw new SmeltException(file + ": field \"modules_to_save\" is set (" + mts + "); fully trained extra modules are not supported");
        }
        JsonNode rNode = root.get("r");
        if (rNode == null || !rNode.canConvertToInt() || rNode.asInt() <= 0) {
            throw new SmeltException(file + ": field \"r\" must be a positive integer");
        }
        JsonNode alphaNode = root.get("lora_alpha");
        if (alphaNode == null || !alphaNode.isNumber()) {
            throw new SmeltException(file + ": field \"lora_alpha\" must be a number");
        }
        JsonNode tm = root.get("target_modules");
        LoraSettings.Targets targets;
        if (tm == null || tm.isNull()) {
            throw new SmeltException(file + ": field \"target_modules\" is missing");
        } else if (tm.isTextual()) {
            targets = tm.asText().equals("all-linear") ? new LoraSettings.Targets.AllLinear()
                    : new LoraSettings.Targets.Regex(tm.asText());
        } else if (tm.isArray()) {
            List<String> names = new ArrayList<>();
            tm.forEach(n -> names.add(n.asText()));
            targets = new LoraSettings.Targets.Names(names);
        } else {
            throw new SmeltException(file + ": field \"target_modules\" must be a list of names or a string");
        }
        Map<String, Integer> rankPattern = new LinkedHashMap<>();
        root.path("rank_pattern").fields().forEachRemaining(e -> rankPattern.put(e.getKey(), e.getValue().asInt()));
        Map<String, Double> alphaPattern = new LinkedHashMap<>();
        root.path("alpha_pattern").fields().forEachRemaining(e -> alphaPattern.put(e.getKey(), e.getValue().asDouble()));
        JsonNode base = root.get("base_model_name_or_path");
        JsonNode rev = root.get("revision");
        return new AdapterConfig(rNode.asInt(), alphaNode.asDouble(), root.path("lora_dropout").asDouble(0),
                root.path("use_rslora").asBoolean(false), targets,
                base == null || base.isNull() ? null : base.asText(),
                rev == null || rev.isNull() ? null : rev.asText(), rankPattern, alphaPattern);
    }

    private static String text(JsonNode root, String field, String dflt) {
        JsonNode n = root.get(field);
        return n == null || n.isNull() ? dflt : n.asText();
    }
}
