package dev.smelt.models.load;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.smelt.core.SmeltException;
import dev.smelt.core.model.ModelDirectory;
import dev.smelt.core.model.TensorSpec;
import dev.smelt.core.safetensors.DType;
import dev.smelt.core.safetensors.Floats;
import dev.smelt.core.safetensors.SafetensorsModel;
import dev.smelt.core.safetensors.TensorInfo;
import dev.smelt.models.nn.Scalars;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads named weights from a model directory's safetensors files (single or sharded, memory-mapped) into
 * NDArrays of the requested dtype, one tensor at a time. Every tensor is checked against the shape the
 * config implies. Half-precision sources are widened in Java: DJL's PyTorch bridge kills the JVM when it
 * creates BF16 arrays on CPU, so BF16 data is never handed to it as BF16.
 */
public final class WeightReader implements AutoCloseable {
    private final ModelDirectory dir;
    private final SafetensorsModel weights;
    private final NDManager manager;
    private final DataType dtype;
    private final Map<String, TensorSpec> expected = new LinkedHashMap<>();

    public WeightReader(ModelDirectory dir, NDManager manager, DataType dtype) {
        if (!dir.hasWeights()) throw new SmeltException(dir.path() + ": no *.safetensors weights in the model directory");
        this.dir = dir;
        this.weights = dir.weights();
        this.manager = manager;
        this.dtype = dtype;
        for (TensorSpec s : dir.config().tensorSpecs()) expected.put(s.name(), s);
    }

    public boolean contains(String name) {
        return weights.contains(name);
    }

    /** Loads a tensor the config expects (its shape comes from {@code config.tensorSpecs()}). */
    public NDArray load(String name) {
        TensorSpec spec = expected.get(name);
        if (spec == null) throw new IllegalArgumentException(name + " is not among the tensors the config expects");
        return load(name, spec.shape());
    }

    /** Loads a tensor and checks its shape against {@code shape}. */
    public NDArray load(String name, long[] shape) {
        if (!weights.contains(name)) {
            throw new SmeltException(dir.path() + ": tensor \"" + name + "\" " + Arrays.toString(shape)
                    + " is missing from the safetensors weights");
        }
        TensorInfo info = weights.info(name);
        if (!Arrays.equals(info.shape(), shape)) {
            throw new SmeltException(weights.file(name).path() + ": tensor \"" + name + "\" has shape "
                    + info.shapeString() + " but config.json implies " + Arrays.toString(shape));
        }
        if (!info.dtype().isFloatingPoint()) {
            throw new SmeltException(weights.file(name).path() + ": tensor \"" + name + "\" has dtype " + info.dtype()
                    + " (expected a floating-point type)");
        }
        long n = info.numElements();
        if (n > Integer.MAX_VALUE) {
            throw new SmeltException(weights.file(name).path() + ": tensor \"" + name + "\" has " + n
                    + " elements, more than one array can hold");
        }
        float[] values = info.dtype() == DType.F32 && n == 0 ? new float[0]
                : Floats.toFloats(weights.bytes(name), info.dtype(), (int) n);
        NDArray a = Scalars.owned(manager.create(values, new Shape(shape)));
        if (dtype != DataType.FLOAT32) {
            NDArray cast = a.toType(dtype, false);
            a.close();
            a = cast;
        }
        return a;
    }

    /** Names in the files that no loaded tensor claims (reported by callers that care). */
    public List<String> names() {
        return weights.names();
    }

    @Override
    public void close() {
        weights.close();
    }
}
