package dev.smelt.converter.onnx;

import com.google.protobuf.CodedOutputStream;
import dev.smelt.converter.onnx.GraphBuilder.Graph;
import dev.smelt.converter.onnx.OnnxSchema.Model;
import dev.smelt.converter.onnx.OnnxSchema.OperatorSetId;
import dev.smelt.converter.onnx.OnnxSchema.StringStringEntry;
import dev.smelt.converter.onnx.OnnxSchema.Tensor;
import dev.smelt.core.io.AtomicFiles;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Writes a ModelProto in protobuf wire format without holding the weights: the graph's length is computed from the
 * sizes of its parts, then every weight's bytes are streamed from its {@link WeightData} in turn. Weights go inline
 * ({@code raw_data}) or, for models past protobuf's 2 GiB limit, into {@code <file>_data} next to the model with
 * {@code external_data} references (offsets aligned to 4 KiB so onnxruntime can map them); constants always stay
 * inline. Both files are written atomically.
 */
public final class OnnxModelWriter {
    /** Protobuf messages (and so .onnx files with inline weights) must stay below 2 GiB. */
    public static final long PROTOBUF_LIMIT = (1L << 31) - 1;
    static final int EXTERNAL_ALIGNMENT = 4096;

    private OnnxModelWriter() {}

    public interface Listener {
        default void weightStarted(int index, int count, Weight weight) {}
    }

    /**
     * @param external         weights into {@code file.getFileName() + "_data"} instead of inline
     * @param metadata         ModelProto.metadata_props
     * @return the files written (the model, then the data file when external)
     */
    public static List<Path> write(Graph graph, Path file, boolean external, String producerVersion,
            Map<String, String> metadata, Listener listener) throws IOException {
        List<Path> written = new ArrayList<>();
        List<byte[]> headers = new ArrayList<>();
        if (external) {
            Path data = file.resolveSibling(file.getFileName() + "_data");
            long[] offsets = writeExternalData(graph, data, listener);
            for (int i = 0; i < graph.weights().size(); i++) {
                headers.add(externalHeader(graph.weights().get(i), data.getFileName().toString(), offsets[i]));
            }
            written.add(data);
        } else {
            for (Weight w : graph.weights()) headers.add(tensorHeader(w).toByteArray());
        }
        byte[] head = graphHead(graph);
        long graphLength = head.length;
        for (int i = 0; i < headers.size(); i++) {
            long tensorLength = tensorLength(headers.get(i), external ? -1 : graph.weights().get(i).byteSize());
            graphLength += CodedOutputStream.computeTagSize(OnnxSchema.Graph.INITIALIZER)
                    + CodedOutputStream.computeUInt64SizeNoTag(tensorLength) + tensorLength;
        }
        if (!external && graphLength > PROTOBUF_LIMIT) {
            throw new IllegalStateException("graph of " + graphLength + " bytes needs external data");
        }
        byte[] modelHead = modelHead(producerVersion, metadata, graph.microsoftDomain());
        long total = graphLength;
        AtomicFiles.write(file, ch -> {
            OutputStream os = new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 20);
            CodedOutputStream out = CodedOutputStream.newInstance(os, 1 << 16);
            out.writeRawBytes(modelHead);
            out.writeTag(Model.GRAPH, 2);
            out.writeUInt64NoTag(total);
            out.writeRawBytes(head);
            for (int i = 0; i < headers.size(); i++) {
                Weight w = graph.weights().get(i);
                byte[] h = headers.get(i);
                out.writeTag(OnnxSchema.Graph.INITIALIZER, 2);
                out.writeUInt64NoTag(tensorLength(h, external ? -1 : w.byteSize()));
                out.writeRawBytes(h);
                if (!external) {
                    if (listener != null) listener.weightStarted(i, headers.size(), w);
                    out.writeTag(Tensor.RAW_DATA, 2);
                    out.writeUInt64NoTag(w.byteSize());
                    stream(w, out::writeRawBytes);
                }
            }
            out.flush();
            os.flush();
        });
        written.add(0, file);
        return written;
    }

    private static long tensorLength(byte[] header, long rawBytes) {
        if (rawBytes < 0) return header.length;
        return header.length + CodedOutputStream.computeTagSize(Tensor.RAW_DATA)
                + CodedOutputStream.computeUInt64SizeNoTag(rawBytes) + rawBytes;
    }

    private static ProtoMessage tensorHeader(Weight w) {
        ProtoMessage t = new ProtoMessage();
        for (long d : w.dims()) t.int64(Tensor.DIMS, d);
        return t.int64(Tensor.DATA_TYPE, w.type().code()).string(Tensor.NAME, w.name());
    }

    private static byte[] externalHeader(Weight w, String location, long offset) {
        ProtoMessage t = tensorHeader(w);
        entry(t, "location", location);
        entry(t, "offset", Long.toString(offset));
        entry(t, "length", Long.toString(w.byteSize()));
        return t.int64(Tensor.DATA_LOCATION, Tensor.LOCATION_EXTERNAL).toByteArray();
    }

    private static void entry(ProtoMessage t, String key, String value) {
        t.message(Tensor.EXTERNAL_DATA, new ProtoMessage().string(StringStringEntry.KEY, key).string(StringStringEntry.VALUE, value));
    }

    private static long[] writeExternalData(Graph graph, Path data, Listener listener) throws IOException {
        long[] offsets = new long[graph.weights().size()];
        AtomicFiles.write(data, ch -> {
            OutputStream os = new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 20);
            long[] position = {0};
            byte[] zeros = new byte[EXTERNAL_ALIGNMENT];
            for (int i = 0; i < offsets.length; i++) {
                Weight w = graph.weights().get(i);
                int pad = (int) ((EXTERNAL_ALIGNMENT - position[0] % EXTERNAL_ALIGNMENT) % EXTERNAL_ALIGNMENT);
                os.write(zeros, 0, pad);
                position[0] += pad;
                offsets[i] = position[0];
                if (listener != null) listener.weightStarted(i, offsets.length, w);
                stream(w, (b, off, len) -> {
                    os.write(b, off, len);
                    position[0] += len;
                });
            }
            os.flush();
        });
        return offsets;
    }

    /** Streams one weight and checks that it produced exactly its byte size. */
    private static void stream(Weight w, WeightData.Sink sink) throws IOException {
        long[] count = {0};
        w.data().writeTo((b, off, len) -> {
            count[0] += len;
            if (count[0] > w.byteSize()) throw new IllegalStateException(w + ": more than " + w.byteSize() + " bytes");
            sink.write(b, off, len);
        });
        if (count[0] != w.byteSize()) {
            throw new IllegalStateException(w + ": wrote " + count[0] + " bytes, expected " + w.byteSize());
        }
    }

    private static byte[] graphHead(Graph graph) {
        ProtoMessage g = new ProtoMessage().string(OnnxSchema.Graph.NAME, graph.name());
        for (byte[] n : graph.nodes()) g.bytes(OnnxSchema.Graph.NODE, n);
        for (byte[] c : graph.constants()) g.bytes(OnnxSchema.Graph.INITIALIZER, c);
        for (ValueInfo v : graph.inputs()) g.message(OnnxSchema.Graph.INPUT, v.encode());
        for (ValueInfo v : graph.outputs()) g.message(OnnxSchema.Graph.OUTPUT, v.encode());
        return g.toByteArray();
    }

    private static byte[] modelHead(String producerVersion, Map<String, String> metadata, boolean microsoft) {
        ProtoMessage m = new ProtoMessage().int64(Model.IR_VERSION, OnnxSchema.IR_VERSION)
                .string(Model.PRODUCER_NAME, "smelt").string(Model.PRODUCER_VERSION, producerVersion)
                .message(Model.OPSET_IMPORT, new ProtoMessage().string(OperatorSetId.DOMAIN, "")
                        .int64(OperatorSetId.VERSION, OnnxSchema.OPSET));
        if (microsoft) {
            m.message(Model.OPSET_IMPORT, new ProtoMessage().string(OperatorSetId.DOMAIN, OnnxSchema.MICROSOFT)
                    .int64(OperatorSetId.VERSION, OnnxSchema.MICROSOFT_VERSION));
        }
        metadata.forEach((k, v) -> m.message(Model.METADATA_PROPS,
                new ProtoMessage().string(StringStringEntry.KEY, k).string(StringStringEntry.VALUE, v)));
        return m.toByteArray();
    }
}
