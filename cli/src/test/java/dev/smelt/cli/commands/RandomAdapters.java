package dev.smelt.cli.commands;

import dev.smelt.core.model.ModelDirectory;
import dev.smelt.core.safetensors.SafetensorsModel;
import dev.smelt.trainer.lora.LoraSettings;
import dev.smelt.trainer.peft.AdapterConfig;
import dev.smelt.trainer.peft.AdapterFiles;
import dev.smelt.trainer.peft.LoraPair;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Pattern;

/**
 * Random PEFT LoRA adapters (rank 4) on every linear projection of a model, with non-zero B so they change it; with
 * {@code rslora}, rsLoRA scaling and an alpha_pattern for down_proj.
 */
final class RandomAdapters {
    static final Pattern LINEAR = Pattern.compile(".*\\.(q_proj|k_proj|v_proj|o_proj|gate_proj|up_proj|down_proj"
            + "|in_proj_qkv|in_proj_z|in_proj_a|in_proj_b|out_proj)\\.weight");

    private RandomAdapters() {}

    /** A on N(0, 1/in), B on N(0, 0.25/r): B·A about half the size of the tiny model's own weights. */
    static void write(Path base, Path out, boolean rslora) throws Exception {
        Random rnd = new Random(99);
        int r = 4;
        List<LoraPair> pairs = new ArrayList<>();
        try (SafetensorsModel w = ModelDirectory.open(base).weights()) {
            for (String name : w.names()) {
                if (!LINEAR.matcher(name).matches()) continue;
                long[] shape = w.info(name).shape();
                int outDim = (int) shape[0], in = (int) shape[1];
                float[] a = new float[r * in];
                float[] b = new float[outDim * r];
                for (int i = 0; i < a.length; i++) a[i] = (float) (rnd.nextGaussian() / Math.sqrt(in));
                for (int i = 0; i < b.length; i++) b[i] = (float) (0.5 * rnd.nextGaussian() / Math.sqrt(r));
                pairs.add(new LoraPair(name.substring(0, name.length() - ".weight".length()), r, in, outDim, a, b));
            }
        }
        double alpha = rslora ? 2 : r;
        AdapterConfig config = new AdapterConfig(r, alpha, 0, rslora, new LoraSettings.Targets.AllLinear(), null, null,
                Map.of(), rslora ? Map.of("down_proj", 1.0) : Map.of());
        AdapterFiles.write(out, config, pairs);
    }

}
