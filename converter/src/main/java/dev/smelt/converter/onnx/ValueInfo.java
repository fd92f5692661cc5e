package dev.smelt.converter.onnx;

import dev.smelt.converter.onnx.OnnxSchema.Type;
import java.util.List;

/** A graph input or output: name, element type and shape. */
public record ValueInfo(String name, ElementType type, List<Dim> dims) {
    public ValueInfo {
        dims = List.copyOf(dims);
    }

    ProtoMessage encode() {
        ProtoMessage shape = new ProtoMessage();
        for (Dim d : dims) {
            ProtoMessage dim = d.symbolic() ? new ProtoMessage().string(Type.DIM_PARAM, d.param())
                    : new ProtoMessage().int64(Type.DIM_VALUE, d.value());
            shape.message(Type.SHAPE_DIM, dim);
        }
        ProtoMessage tensor = new ProtoMessage().int64(Type.TENSOR_ELEM_TYPE, type.code()).message(Type.TENSOR_SHAPE, shape);
        return new ProtoMessage().string(OnnxSchema.ValueInfo.NAME, name)
                .message(OnnxSchema.ValueInfo.TYPE, new ProtoMessage().message(Type.TENSOR_TYPE, tensor));
    }
}
