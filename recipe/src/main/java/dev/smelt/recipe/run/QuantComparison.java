package dev.smelt.recipe.run;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import dev.smelt.core.model.ModelDirectory;
import dev.smelt.models.CausalLM;
import dev.smelt.models.DecoderModel;
import dev.smelt.models.eval.LogitComparison;
import dev.smelt.models.generate.LanguageModel;
import dev.smelt.models.nn.Linear;
import dev.smelt.quantizer.report.HfWeights;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The gates' measurement, as smelt quant-report makes it: the model's logits on each chunk with its own weights and
 * with the GGUF's weights dequantized (every projection and the embedding swapped in place), compared by
 * {@link LogitComparison} (perplexities, KL divergence, top-1 agreement).
 */
final class QuantComparison {
    private QuantComparison() {}

    private record Swap(Parameter parameter, NDArray original, NDArray quantized) {}

    static LogitComparison.Summary compare(Path model, Path gguf, List<int[]> chunks, Device device, DataType dtype) {
        try (LanguageModel lm = LanguageModel.open(ModelDirectory.open(model), device, dtype);
                HfWeights weights = HfWeights.open(gguf, lm.model().config())) {
            CausalLM m = lm.model();
            List<Swap> swaps = swaps(m, weights);
            try {
                LogitComparison cmp = new LogitComparison();
                for (int[] ids : chunks) {
                    try (NDManager sub = m.manager().newSubManager()) {
                        long[] l = new long[ids.length];
                        for (int i = 0; i < ids.length; i++) l[i] = ids[i];
                        NDArray input = sub.create(l).reshape(1, ids.length);
                        NDArray ref = m.logits(new ParameterStore(sub, false), input, null, null, false);
                        for (Swap s : swaps) s.quantized().copyTo(s.parameter().getArray());
                        NDArray cand = m.logits(new ParameterStore(sub, false), input, null, null, false);
                        cmp.add(ref, cand, ids);
                    } finally {
                        for (Swap s : swaps) s.original().copyTo(s.parameter().getArray());
                    }
                }
                return cmp.summary();
            } finally {
                for (Swap s : swaps) {
                    s.original().close();
                    s.quantized().close();
                }
            }
        }
    }

    private static List<Swap> swaps(CausalLM model, HfWeights weights) {
        List<Parameter> params = new ArrayList<>();
        List<String> names = new ArrayList<>();
        if (model instanceof DecoderModel<?> d) {
            params.add(d.embedding().weight());
            names.add(d.embedding().moduleName() + ".weight");
        }
        for (Linear l : model.linearModules().values()) {
            params.add(l.weight());
            names.add(l.moduleName() + ".weight");
        }
        List<Swap> out = new ArrayList<>();
        for (int i = 0; i < params.size(); i++) {
            Parameter p = params.get(i);
            NDArray orig = p.getArray();
            Shape shape = orig.getShape();
            float[] q = weights.read(names.get(i), shape.getShape());
            NDArray qa = model.manager().create(q, shape);
            if (orig.getDataType() != DataType.FLOAT32) qa = qa.toType(orig.getDataType(), false);
            out.add(new Swap(p, orig.duplicate(), qa));
        }
        return out;
    }
}
