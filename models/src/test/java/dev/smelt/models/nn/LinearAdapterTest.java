package dev.smelt.models.nn;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.PairList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The contract adapters (LoRA) rely on: a child block whose delta is added, trained while the base stays frozen. */
class LinearAdapterTest {
    static NDManager manager;

    @BeforeAll
    static void start() {
        manager = NDManager.newBaseManager(Device.cpu());
    }

    @AfterAll
    static void stop() {
        manager.close();
    }

    /** delta = x · s, with s a trainable scalar-per-output vector (in == out here). */
    static final class ScaleAdapter extends AbstractBlock {
        final Parameter scale;

        ScaleAdapter(long features) {
            scale = addParameter(Parameter.builder().setName("scale").setType(Parameter.Type.WEIGHT)
                    .optShape(new Shape(features)).optInitializer(Initializer.ONES).build());
        }

        @Override
        protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
            NDArray x = inputs.singletonOrThrow();
            return new NDList(x.mul(ps.getValue(scale, x.getDevice(), training)));
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            return inputShapes;
        }
    }

    @Test
    void adapterDeltaIsAddedTrainedAndDetachable() {
        try (NDManager m = manager.newSubManager()) {
            Linear lin = new Linear("model.layers.0.self_attn.q_proj", 3, 3, true);
            NDArray w = m.create(new float[] {1, 0, 0, 0, 2, 0, 0, 0, 3}, new Shape(3, 3));
            NDArray b = m.create(new float[] {0.5f, 0.5f, 0.5f});
            lin.setWeights(w, b);
            NDArray x = m.create(new float[] {1, 1, 1}, new Shape(1, 3));
            ParameterStore ps = new ParameterStore(m, false);
            assertThat(lin.apply(ps, x, false).toFloatArray()).containsExactly(1.5f, 2.5f, 3.5f);

            ScaleAdapter adapter = new ScaleAdapter(3);
            lin.attachAdapter(adapter);
            lin.initialize(m, DataType.FLOAT32, new Shape(1, 3));
            assertThat(w.toFloatArray()).as("initialisation leaves loaded weights alone")
                    .containsExactly(1, 0, 0, 0, 2, 0, 0, 0, 3);
            assertThat(lin.getParameters().keys()).anyMatch(k -> k.contains("adapter") && k.endsWith("scale"));
            assertThat(lin.apply(ps, x, false).toFloatArray()).containsExactly(2.5f, 3.5f, 4.5f);

            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray y = lin.apply(ps, x, true);
                gc.backward(y.sum());
            }
            assertThat(adapter.scale.getArray().getGradient().toFloatArray()).containsExactly(1f, 1f, 1f);
            assertThat(lin.weight().requiresGradient()).isFalse();
            assertThat(lin.weight().getArray().hasGradient()).isFalse();

            lin.detachAdapter();
            assertThat(lin.adapter()).isNull();
            assertThat(lin.getParameters().keys()).noneMatch(k -> k.contains("adapter"));
            assertThat(lin.apply(ps, x, false).toFloatArray()).containsExactly(1.5f, 2.5f, 3.5f);
            lin.attachAdapter(new ScaleAdapter(3));
            assertThat(lin.getChildren().size()).isEqualTo(1);
        }
    }
}
