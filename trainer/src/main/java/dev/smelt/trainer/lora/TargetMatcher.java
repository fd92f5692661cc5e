package dev.smelt.trainer.lora;

import dev.smelt.core.SmeltException;
import dev.smelt.trainer.SettingException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/** Picks the modules that get adapters, with PEFT's matching rules, and rejects targets that match nothing. */
public final class TargetMatcher {
    private TargetMatcher() {}

    /**
     * @param modules the model's linear modules by HF module path (the LM head is never a target)
     * @return the matched module paths, in model order
     */
    public static List<String> select(LoraSettings.Targets targets, List<String> modules) {
        List<String> candidates = modules.stream().filter(m -> !leaf(m).equals("lm_head")).toList();
        List<String> out = new ArrayList<>();
        if (targets instanceof LoraSettings.Targets.AllLinear) {
            out.addAll(candidates);
        } else if (targets instanceof LoraSettings.Targets.Regex r) {
            Pattern p = Pattern.compile(r.pattern());
            for (String m : candidates) if (p.matcher(m).matches()) out.add(m);
            if (out.isEmpty()) {
                throw new SmeltException("target_modules pattern \"" + r.pattern() + "\" matches no linear module of the model");
            }
        } else if (targets instanceof LoraSettings.Targets.Names n) {
            Set<String> unmatched = new LinkedHashSet<>(n.names());
            for (String m : candidates) {
                boolean hit = false;
                for (String t : n.names()) {
                    if (m.equals(t) || m.endsWith("." + t)) {
                        hit = true;
                        unmatched.remove(t);
                    }
                }
                if (hit) out.add(m);
            }
            if (!unmatched.isEmpty()) {
                Set<String> leaves = new TreeSet<>();
                candidates.forEach(m -> leaves.add(leaf(m)));
                throw new SettingException("{lora.targets}: module \"" + unmatched.iterator().next()
                        + "\" does not exist in this model (linear modules: " + String.join(", ", leaves) + ")");
            }
        }
        return out;
    }

    public static String leaf(String module) {
        int i = module.lastIndexOf('.');
        return i < 0 ? module : module.substring(i + 1);
    }
}
