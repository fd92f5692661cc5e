package dev.smelt.quantizer.gguf;

import dev.smelt.converter.gguf.GgmlType;
import dev.smelt.converter.gguf.GgufReader;
import dev.smelt.converter.gguf.GgufTensor;
import dev.smelt.converter.gguf.GgufTensorInfo;
import dev.smelt.converter.gguf.GgufValue;
import dev.smelt.converter.gguf.GgufWriter;
import dev.smelt.converter.gguf.vocab.GgufKeys.General;
import dev.smelt.core.SmeltException;
import dev.smelt.quantizer.block.BlockQuantizer;
import dev.smelt.quantizer.mix.ModelFacts;
import dev.smelt.quantizer.mix.TensorTypePlanner;
import dev.smelt.quantizer.mix.TensorTypePlanner.Planned;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Quantizes a model into a GGUF file like llama-quantize: tensors in llama.cpp's order, each with the type
 * {@link TensorTypePlanner} chooses, metadata copied with {@code general.quantization_version} and
 * {@code general.file_type} set (moved last, as llama.cpp's gguf_set_val does). Sources stream their bytes
 * (a GGUF read in 16 MiB windows, or safetensors rows during conversion) through a {@link QuantizingChannel} that
 * holds one slab of rows at a time, so heap use does not grow with the model; the output appears atomically.
 */
public final class GgufQuantizer {
    private GgufQuantizer() {}

    /** What was written: every tensor's plan, in file order, and the data sizes before and after. */
    public record Result(List<Planned> tensors, long inputBytes, long outputBytes) {}

    /** Bytes read from the input per call: the size of the windows the tensors' data passes through. */
    private static final int READ_CHUNK = 16 << 20;

    /** Quantizes the GGUF file {@code input} into {@code output}. */
    public static Result quantize(Path input, Path output, QuantizeOptions options, GgufWriter.Listener listener)
            throws IOException {
        try (GgufReader reader = GgufReader.open(input);
                FileChannel file = FileChannel.open(input, StandardOpenOption.READ)) {
            // one buffer for every tensor: GgufWriter writes them one after another
            ByteBuffer buffer = ByteBuffer.allocateDirect(READ_CHUNK).order(ByteOrder.LITTLE_ENDIAN);
            List<GgufTensor> sources = new ArrayList<>();
            for (GgufTensorInfo info : reader.tensors()) {
                sources.add(new FileTensor(input, file, reader.dataStart() + info.offset(), info, buffer));
            }
            return write(input.toString(), reader.metadata(), sources, output, options, listener);
        }
    }

    /**
     * Writes {@code sources} (F32, F16, BF16 or Smelt-readable quantized tensors, any order) quantized per
     * {@code options}. {@code origin} names the input in error messages.
     */
    public static Result write(String origin, Map<String, GgufValue> sourceMetadata, List<? extends GgufTensor> sources,
            Path output, QuantizeOptions options, GgufWriter.Listener listener) throws IOException {
        Layout layout = layout(sourceMetadata, sources, options);
        for (Planned p : layout.plan()) check(origin, p, options);
        List<GgufTensor> ordered = layout.sources();
        List<Planned> plan = layout.plan();
        Map<String, GgufValue> metadata = layout.metadata();

        ExecutorService pool = Executors.newFixedThreadPool(options.threads(), r -> {
            Thread t = new Thread(r, "smelt-quantize");
            t.setDaemon(true);
            return t;
        });
        try (QuantizingChannel.Scratch scratch = new QuantizingChannel.Scratch(pool, options.threads())) {
            List<GgufTensor> out = new ArrayList<>();
            long in = 0;
            long written = 0;
            for (int i = 0; i < plan.size(); i++) {
                Planned p = plan.get(i);
                GgufTensor source = ordered.get(i);
                out.add(new Reshaped(p.changes()
                        ? new QuantizedTensor(source, p.target(), weightsFor(p, options), scratch)
                        : source));
                in += source.byteSize();
                written += p.target().byteSize(source.numElements());
            }
            GgufWriter.write(output, metadata, out, listener);
            return new Result(plan, in, written);
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * What a quantized file holds, decided before any data moves: the sources in llama.cpp's tensor order, each
     * one's planned type, and the output metadata.
     */
    public record Layout(Map<String, GgufValue> metadata, List<GgufTensor> sources, List<Planned> plan) {
        /** The output's tensor infos (ggml's n_dims, offsets left at 0), in file order. */
        public List<GgufTensorInfo> tensorInfos() {
            List<GgufTensorInfo> out = new ArrayList<>(plan.size());
            for (Planned p : plan) out.add(new GgufTensorInfo(p.tensor().name(), ggmlDims(p.tensor().dims()), p.target(), 0));
            return out;
        }

        /** The size of the file {@link #write} produces for this layout. */
        public long fileBytes() {
            return GgufWriter.fileSize(metadata, tensorInfos());
        }
    }

    /** Orders and plans {@code sources} as {@link #write} does, without checking that they can be quantized. */
    public static Layout layout(Map<String, GgufValue> sourceMetadata, List<? extends GgufTensor> sources,
            QuantizeOptions options) {
        List<GgufTensor> ordered = new ArrayList<>(sources);
        ordered.sort(Comparator.comparing(GgufTensor::name, TensorTypePlanner.LLAMA_ORDER));
        List<TensorTypePlanner.Tensor> tensors = new ArrayList<>();
        for (GgufTensor t : ordered) tensors.add(new TensorTypePlanner.Tensor(t.name(), t.dims(), t.type()));
        ModelFacts facts = ModelFacts.of(sourceMetadata);
        List<Planned> plan = new TensorTypePlanner(options.mix(), facts, options.pure(), options.imatrix() != null)
                .plan(tensors);

        Map<String, GgufValue> metadata = new LinkedHashMap<>(sourceMetadata);
        metadata.remove(General.QUANTIZATION_VERSION);
        metadata.put(General.QUANTIZATION_VERSION, GgufValue.u32(2));
        metadata.remove(General.FILE_TYPE);
        metadata.put(General.FILE_TYPE, GgufValue.u32(options.mix().fileType()));
        if (options.imatrix() != null) {
            options.imatrix().outputMetadata().forEach((k, v) -> {
                metadata.remove(k);
                metadata.put(k, v);
            });
        }
        return new Layout(metadata, ordered, plan);
    }

    /** ggml's n_dims: trailing dimensions of 1 dropped (at least one kept). */
    static long[] ggmlDims(long[] d) {
        int n = d.length;
        while (n > 1 && d[n - 1] == 1) n--;
        return Arrays.copyOf(d, n);
    }

    private static void check(String origin, Planned p, QuantizeOptions options) {
        if (!p.changes()) return;
        GgmlType from = p.tensor().type();
        if (from.isQuantized() && !options.allowRequantize()) {
            throw new SmeltException(origin + ": tensor \"" + p.tensor().name() + "\" is already " + from
                    + "; requantizing loses quality, pass --allow-requantize to do it anyway");
        }
        if (from.isQuantized() ? !BlockQuantizer.supports(from)
                : from != GgmlType.F32 && from != GgmlType.F16 && from != GgmlType.BF16) {
            throw new SmeltException(origin + ": tensor \"" + p.tensor().name() + "\" is " + from
                    + "; Smelt quantizes from F32, F16, BF16 and the block types it writes");
        }
    }

    private static float[] weightsFor(Planned p, QuantizeOptions options) {
        if (options.imatrix() == null) return null;
        String name = p.tensor().name();
        float[] w = options.imatrix().forTensor(name).orElse(null);
        if (w == null) return null;
        long[] d = p.tensor().dims();
        long expected = d[0] * (d.length > 2 ? d[2] : 1);
        if (w.length != expected) {
            if (TensorTypePlanner.isTokenEmbedding(name)) return null;
            throw new SmeltException("importance matrix for \"" + name + "\" has " + w.length
                    + " values, the tensor needs " + expected + " (row length × experts)");
        }
        return w;
    }

    /**
     * A tensor written with ggml's {@code n_dims} (trailing dimensions of 1 dropped), as llama.cpp's gguf
     * writer records every tensor it writes.
     */
    private record Reshaped(GgufTensor inner) implements GgufTensor {
        public String name() {
            return inner.name();
        }

        public long[] dims() {
            return ggmlDims(inner.dims());
        }

        public GgmlType type() {
            return inner.type();
        }

        public void writeTo(WritableByteChannel out) throws IOException {
            inner.writeTo(out);
        }
    }

    /**
     * A tensor of a GGUF file, read in {@link #READ_CHUNK} windows into one reused direct buffer. Positional reads
     * copy from the page cache; mapping each window instead page-faults it in 4 KiB at a time on every run, which
     * measured about three times the CPU (150-190 vs 40-60 ms for the bench model's 248 MB), a quarter of a Q8_0 run.
     */
    private record FileTensor(Path file, FileChannel channel, long start, GgufTensorInfo info, ByteBuffer buffer)
            implements GgufTensor {
        public String name() {
            return info.name();
        }

        public long[] dims() {
            return info.dims();
        }

        public GgmlType type() {
            return info.type();
        }

        public void writeTo(WritableByteChannel out) throws IOException {
            long size = info.byteSize();
            for (long off = 0; off < size; off += buffer.capacity()) {
                buffer.clear().limit((int) Math.min(buffer.capacity(), size - off));
                while (buffer.hasRemaining()) {
                    if (channel.read(buffer, start + off + buffer.position()) < 0) {
                        throw new SmeltException(file + ": file ends inside tensor \"" + info.name() + "\"");
                    }
                }
                buffer.flip();
                while (buffer.hasRemaining()) out.write(buffer);
            }
        }
    }

    /** A source tensor re-encoded to {@code target} on its way to the file. */
    private record QuantizedTensor(GgufTensor source, GgmlType target, float[] importance,
            QuantizingChannel.Scratch scratch) implements GgufTensor {
        public String name() {
            return source.name();
        }

        public long[] dims() {
            return source.dims();
        }

        public GgmlType type() {
            return target;
        }

        public void writeTo(WritableByteChannel out) throws IOException {
            QuantizingChannel ch = new QuantizingChannel(source.name(), source.type(), target, source.dims(), importance,
                    out, scratch);
            source.writeTo(ch);
            ch.finish();
        }
    }
}
