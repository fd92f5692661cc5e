package dev.smelt.converter.onnx;

import dev.smelt.converter.onnx.OnnxSchema.Node;
import dev.smelt.converter.onnx.OnnxSchema.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds an ONNX graph: nodes in topological order (each op is added after its inputs), graph inputs and outputs,
 * small constants (shape vectors, axes, scalars; always written inline, since onnxruntime refuses shape inputs held
 * in external data) and large weights (streamed by the writer). Value names are generated unless given.
 */
public final class GraphBuilder {
    private final List<ProtoMessage> nodes = new ArrayList<>();
    private final List<ValueInfo> inputs = new ArrayList<>();
    private final List<ValueInfo> outputs = new ArrayList<>();
    private final Map<String, byte[]> constants = new LinkedHashMap<>();
    private final Map<String, String> constantByKey = new HashMap<>();
    private final List<Weight> weights = new ArrayList<>();
    private final Map<String, Integer> counters = new HashMap<>();
    private final List<String> opsUsed = new ArrayList<>();
    private final String prefix;
    private boolean microsoftDomain;

    public GraphBuilder() {
        this("/");
    }

    /** A builder whose generated names start with {@code prefix} (a subgraph's, distinct from its outer graph's). */
    public GraphBuilder(String prefix) {
        this.prefix = prefix;
    }

    /** Declares a graph input and returns its name. */
    public String input(String name, ElementType type, Dim... dims) {
        inputs.add(new ValueInfo(name, type, List.of(dims)));
        return name;
    }

    /** Declares {@code value} (produced by a node with that exact name) a graph output. */
    public void output(String value, ElementType type, Dim... dims) {
        outputs.add(new ValueInfo(value, type, List.of(dims)));
    }

    /** A large initializer; returns its name. */
    public String weight(Weight w) {
        weights.add(w);
        return w.name();
    }

    /** Adds an op with one generated output name and returns it. */
    public String op(String opType, List<Attr> attrs, String... in) {
        String out = fresh(opType);
        node(opType, attrs, in, new String[] {out});
        return out;
    }

    public String op(String opType, String... in) {
        return op(opType, List.of(), in);
    }

    /** Adds an op whose single output gets {@code outName} (a graph output's name). */
    public String opNamed(String outName, String opType, List<Attr> attrs, String... in) {
        node(opType, attrs, in, new String[] {outName});
        return outName;
    }

    /** Adds a com.microsoft contrib op with one generated output name and returns it. */
    public String contribOp(String opType, List<Attr> attrs, String... in) {
        String out = fresh(opType);
        node(opType, attrs, in, new String[] {out}, OnnxSchema.MICROSOFT);
        microsoftDomain = true;
        return out;
    }

    /**
     * Adds a com.microsoft contrib op with an output per entry of {@code wanted}: a generated name where it is true,
     * the empty name (an optional output left out) where it is false.
     */
    public String[] contribOpOutputs(String opType, List<Attr> attrs, boolean[] wanted, String... in) {
        String[] out = new String[wanted.length];
        for (int i = 0; i < wanted.length; i++) out[i] = wanted[i] ? fresh(opType) : "";
        node(opType, attrs, in, out, OnnxSchema.MICROSOFT);
        microsoftDomain = true;
        return out;
    }

    /** Adds a com.microsoft contrib op whose outputs get {@code names} (a null entry gets a generated name). */
    public String[] contribOpNamed(String opType, List<Attr> attrs, String[] names, String... in) {
        String[] out = new String[names.length];
        for (int i = 0; i < names.length; i++) out[i] = names[i] != null ? names[i] : fresh(opType);
        node(opType, attrs, in, out, OnnxSchema.MICROSOFT);
        microsoftDomain = true;
        return out;
    }

    /** Adds an op with {@code n} generated outputs. */
    public String[] opMulti(String opType, int n, List<Attr> attrs, String... in) {
        String[] out = new String[n];
        for (int i = 0; i < n; i++) out[i] = fresh(opType);
        node(opType, attrs, in, out);
        return out;
    }

    private void node(String opType, List<Attr> attrs, String[] in, String[] out) {
        node(opType, attrs, in, out, null);
    }

    private void node(String opType, List<Attr> attrs, String[] in, String[] out, String domain) {
        ProtoMessage m = new ProtoMessage();
        for (String s : in) m.string(Node.INPUT, s);
        for (String s : out) m.string(Node.OUTPUT, s);
        m.string(Node.NAME, (out[0].isEmpty() ? fresh(opType) : out[0]) + "_node");
        m.string(Node.OP_TYPE, opType);
        for (Attr a : attrs) m.message(Node.ATTRIBUTE, a.encoded());
        if (domain != null) m.string(Node.DOMAIN, domain);
        nodes.add(m);
        if (!opsUsed.contains(opType)) opsUsed.add(opType);
    }

    private String fresh(String prefix) {
        int n = counters.merge(prefix, 1, Integer::sum);
        return this.prefix + prefix + "_" + n;
    }

    /** A 1-D int64 constant. */
    public String int64s(long... values) {
        ByteBuffer b = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) b.putLong(v);
        return constant(ElementType.INT64, new long[] {values.length}, b.array());
    }

    /** A 0-d int64 constant. */
    public String int64Scalar(long value) {
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(value);
        return constant(ElementType.INT64, new long[0], b.array());
    }

    /** A 0-d uint8 constant. */
    public String uint8Scalar(int value) {
        return constant(ElementType.UINT8, new long[0], new byte[] {(byte) value});
    }

    /** A 0-d float constant of {@code type} (FLOAT or FLOAT16). */
    public String floatScalar(ElementType type, float value) {
        return constant(type, new long[0], FloatEncoding.encode(type, new float[] {value}));
    }

    /** A 1-D float constant of {@code type} (FLOAT or FLOAT16). */
    public String floats(ElementType type, float... values) {
        return constant(type, new long[] {values.length}, FloatEncoding.encode(type, values));
    }

    private String constant(ElementType type, long[] dims, byte[] raw) {
        StringBuilder key = new StringBuilder(type.name()).append(java.util.Arrays.toString(dims));
        for (byte x : raw) key.append(',').append(x);
        return constantByKey.computeIfAbsent(key.toString(), k -> {
            String name = prefix + "const_" + (constants.size() + 1);
            ProtoMessage t = new ProtoMessage();
            for (long d : dims) t.int64(Tensor.DIMS, d);
            t.int64(Tensor.DATA_TYPE, type.code()).string(Tensor.NAME, name).bytes(Tensor.RAW_DATA, raw);
            constants.put(name, t.toByteArray());
            return name;
        });
    }

    /**
     * This builder as a subgraph (a {@code Scan} body): nodes, constants, inputs and outputs as one GraphProto. A
     * subgraph holds no streamed weights.
     */
    public byte[] encodeSubgraph(String name) {
        if (!weights.isEmpty()) throw new IllegalStateException("a subgraph holds no streamed weights");
        ProtoMessage m = new ProtoMessage().string(OnnxSchema.Graph.NAME, name);
        for (ProtoMessage n : nodes) m.bytes(OnnxSchema.Graph.NODE, n.toByteArray());
        for (byte[] c : constants.values()) m.bytes(OnnxSchema.Graph.INITIALIZER, c);
        for (ValueInfo v : inputs) m.message(OnnxSchema.Graph.INPUT, v.encode());
        for (ValueInfo v : outputs) m.message(OnnxSchema.Graph.OUTPUT, v.encode());
        return m.toByteArray();
    }

    /** Records op types used inside a subgraph of this graph (for reports). */
    public void usedInSubgraph(List<String> opTypes) {
        for (String op : opTypes) if (!opsUsed.contains(op)) opsUsed.add(op);
    }

    /** Op types used so far, in first-use order. */
    public List<String> opTypes() {
        return List.copyOf(opsUsed);
    }

    public Graph build(String name) {
        return new Graph(name, nodes.stream().map(ProtoMessage::toByteArray).toList(), List.copyOf(inputs),
                List.copyOf(outputs), List.copyOf(constants.values()), List.copyOf(weights), List.copyOf(opsUsed),
                microsoftDomain);
    }

    /**
     * A finished graph: encoded nodes and inline constants, inputs, outputs and the weights the writer streams.
     *
     * @param opTypes         every op type used, in first-use order (for tests and reports)
     * @param microsoftDomain whether a com.microsoft op is used (the model then imports that domain)
     */
    public record Graph(String name, List<byte[]> nodes, List<ValueInfo> inputs, List<ValueInfo> outputs,
            List<byte[]> constants, List<Weight> weights, List<String> opTypes, boolean microsoftDomain) {
        public long weightBytes() {
            long n = 0;
            for (Weight w : weights) n += w.byteSize();
            return n;
        }
    }
}
