package dev.smelt.converter.lora;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.smelt.core.SmeltException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What the converter needs from a PEFT {@code adapter_config.json}: alpha (with per-module {@code alpha_pattern}
 * overrides, PEFT's rule: a key matches a module whose name ends with it at a "." boundary) and whether scaling is
 * rsLoRA's α/√r; everything else PEFT can express and a plain {@code W + scaling·B·A} cannot (DoRA, biases,
 * fan-in-fan-out weights, fully trained extra modules) is refused naming the field. The trainer reads the same
 * file for training; this reader exists because the converter must not depend on it (DJL).
 */
public record PeftConfig(double loraAlpha, boolean useRslora, Map<String, Double> alphaPattern) {
    public static final String FILE = "adapter_config.json";

    public PeftConfig {
        alphaPattern = Map.copyOf(alphaPattern);
    }

    /** The scaling of B·A for {@code module}, whose A has {@code rank} rows: α/r, or α/√r with rsLoRA. */
    public double scaling(String module, int rank) {
        double alpha = loraAlpha;
        for (Map.Entry<String, Double> e : alphaPattern.entrySet()) {
            if (Pattern.compile("(.*\\.)?(" + e.getKey() + ")$").matcher(module).matches()) {
                alpha = e.getValue();
                break;
            }
        }
        return useRslora ? alpha / Math.sqrt(rank) : alpha / rank;
    }

    public static PeftConfig read(Path adapterDir) {
        Path file = adapterDir.resolve(FILE);
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(Files.readString(file));
        } catch (NoSuchFileException e) {
            throw new SmeltException(file + ": no such file (an adapter directory needs adapter_config.json)");
        } catch (IOException e) {
            throw new SmeltException(file + ": invalid JSON: " + e.getMessage().lines().findFirst().orElse(""), e);
        }
        return parse(file.toString(), root);
    }

    static PeftConfig parse(String file, JsonNode root) {
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
        JsonNode alpha = root.get("lora_alpha");
        if (alpha == null || !alpha.isNumber() || !(alpha.asDouble() > 0)) {
            throw new SmeltException(file + ": field \"lora_alpha\" must be a positive number");
        }
        Map<String, Double> alphaPattern = new LinkedHashMap<>();
        root.path("alpha_pattern").fields().forEachRemaining(e -> {
            if (!e.getValue().isNumber()) {
                throw new SmeltException(file + ": field \"alpha_pattern\" entry \"" + e.getKey() + "\" must be a number");
            }
            alphaPattern.put(e.getKey(), e.getValue().asDouble());
        });
        return new PeftConfig(alpha.asDouble(), root.path("use_rslora").asBoolean(false), alphaPattern);
    }

    private static String text(JsonNode root, String field, String dflt) {
        JsonNode n = root.get(field);
        return n == null || n.isNull() ? dflt : n.asText();
    }
}
