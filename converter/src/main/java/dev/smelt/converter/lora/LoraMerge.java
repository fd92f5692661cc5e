package dev.smelt.converter.lora;

import dev.smelt.converter.arch.GgufArchitecture;
import dev.smelt.converter.hf.RowEdit;
import dev.smelt.core.model.ModelConfig;
import dev.smelt.core.safetensors.SafetensorsModel;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A LoRA adapter merged into base weights while they convert: for each adapted weight a {@link RowEdit} adding
 * row {@code o} of {@code scaling·B·A} to source row {@code o}, before the architecture's transform moves it. The
 * arithmetic is {@code smelt merge}'s, in the same float order, so converting with {@code --adapter} gives the
 * bytes of merging first and converting the merged F32 model. The factors are read into memory (an adapter is
 * small); the base weights still stream.
 */
public final class LoraMerge {
    private final Map<String, Edit> byTensor;
    private final Path adapterDir;

    private LoraMerge(Path adapterDir, Map<String, Edit> byTensor) {
        this.adapterDir = adapterDir;
        this.byTensor = Collections.unmodifiableMap(byTensor);
    }

    /** Reads the adapter in {@code adapterDir} and matches its modules to {@code weights}. */
    public static LoraMerge load(Path adapterDir, ModelConfig config, GgufArchitecture arch, SafetensorsModel weights) {
        try (PeftAdapter adapter = PeftAdapter.open(adapterDir)) {
            Map<String, Edit> edits = new LinkedHashMap<>();
            for (LoraTarget t : LoraTarget.resolve(adapter, config, arch, weights)) {
                PeftAdapter.Module m = t.module();
                edits.put(t.baseTensor(), new Edit(m.rank(), m.in(), adapter.file().floats(m.a().name()),
                        adapter.file().floats(m.b().name()), (float) t.scaling()));
            }
            return new LoraMerge(adapterDir, edits);
        }
    }

    /** The edit for base tensor {@code hfName}, if the adapter adapts it. */
    public Optional<RowEdit> editFor(String hfName) {
        return Optional.ofNullable(byTensor.get(hfName));
    }

    public int adaptedTensors() {
        return byTensor.size();
    }

    public Path adapterDir() {
        return adapterDir;
    }

    /** {@code row += s·(B·A)[o]}: the products summed over the rank into a scratch row first, as the trainer's merge does. */
    private static final class Edit implements RowEdit {
        private final int rank;
        private final int in;
        private final float[] a;
        private final float[] b;
        private final float scaling;
        private final ThreadLocal<float[]> scratch;

        Edit(int rank, int in, float[] a, float[] b, float scaling) {
            this.rank = rank;
            this.in = in;
            this.a = a;
            this.b = b;
            this.scaling = scaling;
            this.scratch = ThreadLocal.withInitial(() -> new float[in]);
        }

        @Override
        public void apply(int sourceRow, float[] row) {
            float[] tmp = scratch.get();
            Arrays.fill(tmp, 0f);
            int bRow = sourceRow * rank;
            for (int k = 0; k < rank; k++) {
                float bk = b[bRow + k];
                if (bk == 0f) continue;
                int aRow = k * in;
                for (int i = 0; i < in; i++) tmp[i] += bk * a[aRow + i];
            }
            for (int i = 0; i < in; i++) row[i] += scaling * tmp[i];
        }
    }
}
