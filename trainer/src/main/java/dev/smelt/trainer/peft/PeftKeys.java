package dev.smelt.trainer.peft;

/**
 * PEFT's tensor names: {@code base_model.model.<module path>.lora_A.weight}. Older PEFT versions and
 * some tools keep the adapter name ({@code lora_A.default.weight}); both are accepted on load.
 */
public final class PeftKeys {
    public static final String PREFIX = "base_model.model.";

    private PeftKeys() {}

    public static String loraA(String module) {
        return PREFIX + module + ".lora_A.weight";
    }

    public static String loraB(String module) {
        return PREFIX + module + ".lora_B.weight";
    }

    /** A parsed adapter key: module path and which factor; null when the key is not a LoRA factor. */
    public record Key(String module, boolean isA) {}

    public static Key parse(String key) {
        String k = key.startsWith(PREFIX) ? key.substring(PREFIX.length()) : key;
        for (String suffix : new String[] {".lora_A.weight", ".lora_A.default.weight"}) {
            if (k.endsWith(suffix)) return new Key(k.substring(0, k.length() - suffix.length()), true);
        }
        for (String suffix : new String[] {".lora_B.weight", ".lora_B.default.weight"}) {
            if (k.endsWith(suffix)) return new Key(k.substring(0, k.length() - suffix.length()), false);
        }
        return null;
    }
}
