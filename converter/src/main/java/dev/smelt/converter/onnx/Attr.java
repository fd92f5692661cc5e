package dev.smelt.converter.onnx;

import dev.smelt.converter.onnx.OnnxSchema.Attribute;

/** A node attribute, encoded as an AttributeProto. */
record Attr(String name, ProtoMessage encoded) {
    static Attr i(String name, long value) {
        return new Attr(name, new ProtoMessage().string(Attribute.NAME, name).int64(Attribute.I, value)
                .int64(Attribute.TYPE, Attribute.TYPE_INT));
    }

    static Attr f(String name, float value) {
        return new Attr(name, new ProtoMessage().string(Attribute.NAME, name).float32(Attribute.F, value)
                .int64(Attribute.TYPE, Attribute.TYPE_FLOAT));
    }

    static Attr s(String name, String value) {
        return new Attr(name, new ProtoMessage().string(Attribute.NAME, name).string(Attribute.S, value)
                .int64(Attribute.TYPE, Attribute.TYPE_STRING));
    }

    static Attr ints(String name, long... values) {
        ProtoMessage m = new ProtoMessage().string(Attribute.NAME, name);
        for (long v : values) m.int64(Attribute.INTS, v);
        return new Attr(name, m.int64(Attribute.TYPE, Attribute.TYPE_INTS));
    }

    /** A subgraph (the body of {@code Scan}), as an encoded GraphProto. */
    static Attr graph(String name, byte[] graphProto) {
        return new Attr(name, new ProtoMessage().string(Attribute.NAME, name).bytes(Attribute.G, graphProto)
                .int64(Attribute.TYPE, Attribute.TYPE_GRAPH));
    }
}
