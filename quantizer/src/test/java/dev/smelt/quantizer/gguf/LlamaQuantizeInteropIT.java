package dev.smelt.quantizer.gguf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import dev.smelt.converter.gguf.GgmlType;
import dev.smelt.converter.gguf.GgufReader;
import dev.smelt.converter.gguf.GgufTensorInfo;
import dev.smelt.converter.gguf.GgufWriter;
import dev.smelt.converter.hf.GgufExport;
import dev.smelt.converter.hf.OutputType;
import dev.smelt.core.model.Architecture;
import dev.smelt.core.tiny.TinyModelSpec;
import dev.smelt.core.tiny.TinyModelWriter;
import dev.smelt.quantizer.mix.QuantMix;
import dev.smelt.testkit.interop.InteropTool;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Smelt's quantizer against llama.cpp's own llama-quantize (built from node-llama-cpp's llama.cpp source by
 * interop/build-llama-tools.sh): create-tiny llama, qwen3 and qwen3_5 models converted to F32 by Smelt, then
 * every mix and every single type (--pure) quantized by both tools, without and with an importance matrix
 * (llama.cpp's GGUF and legacy formats), must give identical files.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LlamaQuantizeInteropIT {
    @TempDir
    static Path tmp;

    @RegisterExtension static final InteropTool<Path> LLAMA_QUANTIZE = InteropTool.llamaBinary("llama-quantize");
    private final Map<String, Path> f32 = new LinkedHashMap<>();

    /** Models: a 256-wide llama with 8 layers (per-layer rules), a 64-wide one (block fallbacks), qwen3, qwen3_5. */
    static Stream<String> models() {
        return Stream.of("llama", "llama-64", "qwen3", "qwen3_5");
    }

    @BeforeAll
    void tools() throws IOException {
        for (String m : models().toList()) f32.put(m, convert(m, tmp));
    }

    /** Creates the named tiny model and converts it to an F32 GGUF in {@code dir}. */
    static Path convert(String name, Path dir) throws IOException {
        return convert(name, dir, 7);
    }

    /** As {@link #convert(String, Path)} with the random weights drawn from {@code seed}. */
    static Path convert(String name, Path dir, long seed) throws IOException {
        TinyModelSpec.Builder b = switch (name) {
            case "llama" -> TinyModelSpec.builder(Architecture.LLAMA).hiddenSize(256).intermediateSize(768).numLayers(8)
                    .numHeads(4).numKvHeads(1).tieWordEmbeddings(false);
            case "llama-64" -> TinyModelSpec.builder(Architecture.LLAMA).tieWordEmbeddings(true);
            case "qwen3" -> TinyModelSpec.builder(Architecture.QWEN3).hiddenSize(256).intermediateSize(512).numLayers(4)
                    .numHeads(4).numKvHeads(2).headDim(64);
            case "qwen3-untied" -> TinyModelSpec.builder(Architecture.QWEN3).hiddenSize(256).intermediateSize(512).numLayers(4)
                    .numHeads(4).numKvHeads(2).headDim(64).tieWordEmbeddings(false);
            case "qwen3_5" -> TinyModelSpec.builder(Architecture.QWEN3_5).hiddenSize(256).intermediateSize(512)
                    .numLayers(8).linearKeyHeads(2).linearValueHeads(4).fullAttentionInterval(4);
            default -> throw new IllegalArgumentException(name);
        };
        TinyModelWriter.Result model = TinyModelWriter.write(b.seed(seed).build(), dir.resolve(name));
        Path out = dir.resolve(name + "-f32.gguf");
        GgufExport.export(model.directory(), out, GgufExport.Options.of(OutputType.F32), new GgufExport.Listener() {});
        return out;
    }

    /** Each mix, and each block type alone (--pure with the mix whose default it is). */
    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        Set<GgmlType> pureDone = EnumSet.noneOf(GgmlType.class);
        for (String m : models().toList()) {
            for (QuantMix mix : QuantMix.values()) out.add(Arguments.of(m, mix, false));
        }
        for (QuantMix mix : QuantMix.values()) {
            if (pureDone.add(mix.defaultType())) {
                for (String m : models().toList()) out.add(Arguments.of(m, mix, true));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1} pure={2}")
    @MethodSource("cases")
    void sameFileAsLlamaQuantize(String model, QuantMix mix, boolean pure) throws Exception {
        Path input = f32.get(model);
        String tag = model + "-" + mix + (pure ? "-pure" : "");
        Path ours = tmp.resolve(tag + "-smelt.gguf");
        Path theirs = tmp.resolve(tag + "-llama.gguf");
        GgufQuantizer.quantize(input, ours, new QuantizeOptions(mix, 2, false, pure, null), GgufWriter.Listener.NONE);
        runLlamaQuantize(input, theirs, mix.name(), pure);
        assertSameTensors(ours, theirs);
        assertThat(Files.mismatch(ours, theirs)).as("whole file identical").isEqualTo(-1);
    }

    /** Every mix with an importance matrix, in llama.cpp's GGUF format and in its legacy .dat format. */
    static Stream<Arguments> imatrixCases() {
        List<Arguments> out = new ArrayList<>();
        for (String m : List.of("llama", "qwen3_5")) {
            for (QuantMix mix : QuantMix.values()) out.add(Arguments.of(m, mix, "gguf"));
            for (QuantMix mix : List.of(QuantMix.Q4_K_M, QuantMix.Q2_K, QuantMix.IQ4_XS, QuantMix.Q4_0)) {
                out.add(Arguments.of(m, mix, "dat"));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1} imatrix {2}")
    @MethodSource("imatrixCases")
    void sameFileAsLlamaQuantizeWithAnImportanceMatrix(String model, QuantMix mix, String format) throws Exception {
        Path input = f32.get(model);
        Path imatrix = SyntheticImatrix.write(input, tmp.resolve(model + "-imatrix." + format), format.equals("gguf"));
        String tag = model + "-" + mix + "-imatrix-" + format;
        Path ours = tmp.resolve(tag + "-smelt.gguf");
        Path theirs = tmp.resolve(tag + "-llama.gguf");
        GgufQuantizer.quantize(input, ours, new QuantizeOptions(mix, 2, false, false, ImportanceMatrix.read(imatrix)),
                GgufWriter.Listener.NONE);
        runLlamaQuantize(input, theirs, mix.name(), false, "--imatrix", imatrix.toString());
        assertSameTensors(ours, theirs);
        assertThat(Files.mismatch(ours, theirs)).as("whole file identical").isEqualTo(-1);
    }

    private void runLlamaQuantize(Path in, Path out, String type, boolean pure, String... options) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(LLAMA_QUANTIZE.get().toString()));
        if (pure) cmd.add("--pure");
        cmd.addAll(List.of(options));
        cmd.addAll(List.of(in.toString(), out.toString(), type, "2"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            fail("llama-quantize failed: " + String.join(" ", cmd) + "\n" + log);
        }
    }

    /** Names, order, types, dims and data of every tensor, and the metadata, with a readable first difference. */
    static void assertSameTensors(Path ours, Path theirs) {
        try (GgufReader a = GgufReader.open(ours); GgufReader b = GgufReader.open(theirs)) {
            assertThat(a.metadata().keySet()).as("metadata keys in order").containsExactlyElementsOf(b.metadata().keySet());
            a.metadata().forEach((k, v) -> assertThat(v).as("metadata " + k).isEqualTo(b.metadata().get(k)));
            List<String> namesA = a.tensors().stream().map(GgufTensorInfo::name).toList();
            List<String> namesB = b.tensors().stream().map(GgufTensorInfo::name).toList();
            assertThat(namesA).as("tensor order").containsExactlyElementsOf(namesB);
            for (GgufTensorInfo ta : a.tensors()) {
                GgufTensorInfo tb = b.tensor(ta.name());
                assertThat(ta.type()).as(ta.name() + " type").isEqualTo(tb.type());
                assertThat(ta.dims()).as(ta.name() + " dims").isEqualTo(tb.dims());
                ByteBuffer da = a.bytes(ta.name());
                ByteBuffer db = b.bytes(ta.name());
                int at = da.mismatch(db);
                if (at >= 0) {
                    fail(ta.name() + " (" + ta.type() + "): data differs at byte " + at + " (block "
                            + at / ta.type().bytesPerBlock() + ", byte " + at % ta.type().bytesPerBlock() + " of it)");
                }
            }
        }
    }
}
