package dev.smelt.trainer.lora;

import dev.smelt.trainer.SettingException;
import java.util.Arrays;
import java.util.List;

/**
 * Hyper-parameters of a LoRA adapter: rank, alpha, dropout, rsLoRA scaling and which linear modules
 * get an adapter. {@code targets} follows PEFT: a list of module-name suffixes, the single value
 * {@code all-linear}, or (from PEFT configs) one regular expression that must match a whole module name.
 */
public record LoraSettings(int r, double alpha, double dropout, boolean useRslora, Targets targets) {

    public LoraSettings {
        if (r <= 0) throw new SettingException("{lora.r} must be a positive integer, got " + r);
        if (!(alpha > 0)) throw new SettingException("{lora.alpha} must be positive, got " + alpha);
        if (dropout < 0 || dropout >= 1) throw new SettingException("{lora.dropout} must be in [0, 1), got " + dropout);
    }

    /** Multiplier of B·A: α/r, or α/√r with rsLoRA. */
    public double scaling() {
        return scaling(alpha, r, useRslora);
    }

    public static double scaling(double alpha, int r, boolean rslora) {
        return rslora ? alpha / Math.sqrt(r) : alpha / r;
    }

    /** Which modules get adapters. */
    public sealed interface Targets {
        /** Every linear projection of the decoder (not the LM head). */
        record AllLinear() implements Targets {}

        /** Modules whose name equals, or ends with "." + , one of the names. */
        record Names(List<String> names) implements Targets {
            public Names {
                names = List.copyOf(names);
                if (names.isEmpty()) throw new SettingException("{lora.targets} must name at least one module");
            }
        }

        /** Modules whose whole name matches the regular expression (PEFT's string form). */
        record Regex(String pattern) implements Targets {}

        /** Parses the CLI form: {@code all-linear} or a comma-separated list of module names. */
        static Targets parse(String spec) {
            String s = spec.trim();
            if (s.equalsIgnoreCase("all-linear")) return new AllLinear();
            List<String> names = Arrays.stream(s.split(",")).map(String::trim).filter(x -> !x.isEmpty()).toList();
            return new Names(names);
        }
    }
}
