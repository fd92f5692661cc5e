package dev.smelt.converter.arch;

import dev.smelt.converter.gguf.GgufTensor;
import dev.smelt.converter.gguf.GgufValue;
import dev.smelt.converter.gguf.vocab.MappedTensor;
import dev.smelt.converter.gguf.vocab.TensorKind;
import dev.smelt.converter.gguf.vocab.TensorNameMap;
import dev.smelt.core.SmeltException;
import dev.smelt.core.model.Architecture;
import dev.smelt.core.model.ModelConfig;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Everything one GGUF architecture needs from a Hugging Face checkpoint, in one place (llama.cpp's converter
 * spreads it over a model class, {@code MODEL_TENSORS} and {@code tensor_mapping.py}): its GGUF name, the tensor
 * kinds it has, tensors it leaves out, its {@code {arch}.*} hyperparameters and how rows of each kind move.
 * Adding an architecture is one implementation (or one more {@link DenseArchitecture} constant), an entry in
 * {@link #all()} and its spellings in {@link TensorNameMap}'s table.
 */
public sealed interface GgufArchitecture permits DenseArchitecture, Qwen35Architecture {

    /** Every supported architecture. */
    static List<GgufArchitecture> all() {
        return List.of(DenseArchitecture.LLAMA, DenseArchitecture.QWEN2, DenseArchitecture.QWEN3, Qwen35Architecture.QWEN35);
    }

    /** The architecture a parsed config.json exports as. */
    static GgufArchitecture of(ModelConfig config) {
        for (GgufArchitecture a : all()) {
            if (a.source() == config.architecture()) return a;
        }
        throw new IllegalStateException("no GGUF architecture for " + config.architecture());
    }

    /** The architecture a GGUF file names in {@code general.architecture}. */
    static GgufArchitecture named(String ggufName) {
        for (GgufArchitecture a : all()) {
            if (a.ggufName().equals(ggufName)) return a;
        }
        throw new SmeltException("GGUF architecture \"" + ggufName + "\" is not one Smelt handles (supported: "
                + all().stream().map(GgufArchitecture::ggufName).collect(Collectors.joining(", ")) + ")");
    }

    /** {@code general.architecture}: {@code llama}, {@code qwen35}, … */
    String ggufName();

    /** The config.json family this architecture is exported from. */
    Architecture source();

    /** The kinds a file of this architecture may hold (gguf-py's {@code MODEL_TENSORS} entry). */
    Set<TensorKind> tensorKinds();

    /** HF names → GGUF tensors for this architecture's kinds. */
    TensorNameMap tensorNames();

    /** Why an HF tensor is deliberately not exported, if it is one of those. */
    default Optional<String> skipReason(String hfName) {
        if (hfName.endsWith(".rotary_emb.inv_freq")) return Optional.of("RoPE frequencies are recomputed by llama.cpp");
        return Optional.empty();
    }

    /** The {@code {arch}.*} keys, after checking the config is one llama.cpp can load. */
    Map<String, GgufValue> hyperparameters(ModelConfig config);

    /** The PyTorch shape a tensor is written with (before GGUF's reversal); the HF shape unless a kind reshapes. */
    default long[] shape(MappedTensor tensor, long[] hfShape) {
        return hfShape;
    }

    /** How the rows/columns/values of a tensor move on their way into GGUF; {@code shape} is {@link #shape}'s. */
    RowTransform transform(ModelConfig config, MappedTensor tensor, long[] shape);

    /** Tensors the converter computes rather than copies (Llama 3's {@code rope_freqs}). */
    default List<GgufTensor> extraTensors(ModelConfig config) {
        return List.of();
    }
}
