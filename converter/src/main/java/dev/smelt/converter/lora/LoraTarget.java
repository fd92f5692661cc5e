package dev.smelt.converter.lora;

import dev.smelt.converter.arch.GgufArchitecture;
import dev.smelt.converter.arch.RowTransform;
import dev.smelt.converter.gguf.vocab.MappedTensor;
import dev.smelt.core.SmeltException;
import dev.smelt.core.model.ModelConfig;
import dev.smelt.core.safetensors.SafetensorsModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One adapted module and the base weight it adapts: its Hugging Face name, its GGUF tensor, and the
 * {@link RowTransform} the base weight gets on its way into GGUF, which B's rows (output rows) and A's columns
 * (input columns) must follow so that {@code B·A} stays aligned with the converted weight.
 */
public record LoraTarget(PeftAdapter.Module module, String baseTensor, MappedTensor mapped, RowTransform transform,
        double scaling) {

    /**
     * Every module of {@code adapter} against the base model's weights, in the base's tensor order; refuses modules
     * without a matching 2-D weight, with another shape, or on a tensor whose values the GGUF export changes.
     */
    public static List<LoraTarget> resolve(PeftAdapter adapter, ModelConfig config, GgufArchitecture arch,
            SafetensorsModel weights) {
        String where = adapter.weightsPath().toString();
        Map<String, Integer> order = new HashMap<>();
        for (String n : weights.names()) order.put(n, order.size());
        List<LoraTarget> out = new ArrayList<>();
        for (PeftAdapter.Module m : adapter.modules().values()) {
            String tensor = candidates(m.name()).stream().map(c -> c + ".weight").filter(weights::contains).findFirst()
                    .orElseThrow(() -> new SmeltException(where + ": module \"" + m.name() + "\" has no weight \""
                            + m.name() + ".weight\" in the base model (adapter made for another model?)"));
            long[] shape = weights.info(tensor).shape();
            if (shape.length != 2 || shape[0] != m.out() || shape[1] != m.in()) {
                throw new SmeltException(where + ": module \"" + m.name() + "\" adapts [" + m.out() + ", " + m.in()
                        + "] but the base weight " + tensor + " is " + Arrays.toString(shape) + " (adapter made for another model?)");
            }
            Optional<String> skip = arch.skipReason(tensor);
            if (skip.isPresent()) {
                throw new SmeltException(where + ": module \"" + m.name() + "\" adapts " + tensor
                        + ", which the GGUF export leaves out (" + skip.get() + ")");
            }
            MappedTensor mapped = arch.tensorNames().map(tensor);
            RowTransform transform = arch.transform(config, mapped, arch.shape(mapped, shape));
            if (transform.op() != RowTransform.ElementOp.NONE) {
                throw new SmeltException(where + ": module \"" + m.name() + "\" adapts " + tensor + ", whose values the GGUF"
                        + " export maps elementwise (" + transform.op() + "); a low-rank update cannot follow that");
            }
            out.add(new LoraTarget(m, tensor, mapped, transform, adapter.scaling(m)));
        }
        out.sort(Comparator.comparing(t -> order.get(t.baseTensor())));
        for (int i = 1; i < out.size(); i++) {
            if (out.get(i).baseTensor().equals(out.get(i - 1).baseTensor())) {
                throw new SmeltException(where + ": modules \"" + out.get(i - 1).module().name() + "\" and \""
                        + out.get(i).module().name() + "\" both adapt " + out.get(i).baseTensor());
            }
        }
        return out;
    }

    /**
     * Module paths to look for: the name itself, then the other Qwen3.5 spelling (a
     * {@code Qwen3_5ForConditionalGeneration} checkpoint nests the decoder under {@code model.language_model.}, an
     * adapter trained on the text-only class names it {@code model.layers.}).
     */
    static List<String> candidates(String module) {
        List<String> out = new ArrayList<>();
        out.add(module);
        if (module.startsWith("model.language_model.")) out.add("model." + module.substring("model.language_model.".length()));
        else if (module.startsWith("model.")) out.add("model.language_model." + module.substring("model.".length()));
        return out;
    }
}
