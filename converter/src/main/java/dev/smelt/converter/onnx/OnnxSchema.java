package dev.smelt.converter.onnx;

/**
 * Field numbers and enum values of onnx.proto (proto2, IR version 8 and later) that Smelt writes. No other class
 * spells a field number.
 */
final class OnnxSchema {
    private OnnxSchema() {}

    /** IR version 8 goes with opset 18 (onnx/docs/Versioning.md). */
    static final long IR_VERSION = 8;
    static final long OPSET = 18;
    /** The contrib domain of {@code MatMulNBits}; its only version. */
    static final String MICROSOFT = "com.microsoft";
    static final long MICROSOFT_VERSION = 1;

    static final class Model {
        static final int IR_VERSION = 1;
        static final int PRODUCER_NAME = 2;
        static final int PRODUCER_VERSION = 3;
        static final int DOC_STRING = 6;
        static final int GRAPH = 7;
        static final int OPSET_IMPORT = 8;
        static final int METADATA_PROPS = 14;

        private Model() {}
    }

    static final class OperatorSetId {
        static final int DOMAIN = 1;
        static final int VERSION = 2;

        private OperatorSetId() {}
    }

    static final class Graph {
        static final int NODE = 1;
        static final int NAME = 2;
        static final int INITIALIZER = 5;
        static final int INPUT = 11;
        static final int OUTPUT = 12;

        private Graph() {}
    }

    static final class Node {
        static final int INPUT = 1;
        static final int OUTPUT = 2;
        static final int NAME = 3;
        static final int OP_TYPE = 4;
        static final int ATTRIBUTE = 5;
        static final int DOMAIN = 7;

        private Node() {}
    }

    static final class Attribute {
        static final int NAME = 1;
        static final int F = 2;
        static final int I = 3;
        static final int S = 4;
        static final int G = 6;
        static final int INTS = 8;
        static final int TYPE = 20;

        // AttributeProto.AttributeType
        static final int TYPE_FLOAT = 1;
        static final int TYPE_INT = 2;
        static final int TYPE_STRING = 3;
        static final int TYPE_GRAPH = 5;
        static final int TYPE_INTS = 7;

        private Attribute() {}
    }

    static final class Tensor {
        static final int DIMS = 1;
        static final int DATA_TYPE = 2;
        static final int NAME = 8;
        static final int RAW_DATA = 9;
        static final int EXTERNAL_DATA = 13;
        static final int DATA_LOCATION = 14;

        static final int LOCATION_EXTERNAL = 1;

        private Tensor() {}
    }

    static final class StringStringEntry {
        static final int KEY = 1;
        static final int VALUE = 2;

        private StringStringEntry() {}
    }

    static final class ValueInfo {
        static final int NAME = 1;
        static final int TYPE = 2;

        private ValueInfo() {}
    }

    /** TypeProto.tensor_type, TypeProto.Tensor and TensorShapeProto(.Dimension). */
    static final class Type {
        static final int TENSOR_TYPE = 1;
        static final int TENSOR_ELEM_TYPE = 1;
        static final int TENSOR_SHAPE = 2;
        static final int SHAPE_DIM = 1;
        static final int DIM_VALUE = 1;
        static final int DIM_PARAM = 2;

        private Type() {}
    }
}
