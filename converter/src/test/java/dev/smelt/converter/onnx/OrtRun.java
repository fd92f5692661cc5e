package dev.smelt.converter.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** Runs an exported decoder in onnxruntime for one batch row: a prompt with an empty past, then cached steps. */
final class OrtRun implements AutoCloseable {
    final OrtEnvironment env = OrtEnvironment.getEnvironment();
    final OrtSession session;
    private final int layers;
    private final int kvHeads;
    private final int headDim;
    private Map<String, OnnxTensor> past = new HashMap<>();
    private int length;

    OrtRun(Path model, int layers, int kvHeads, int headDim) throws OrtException {
        session = env.createSession(model.toString(), new OrtSession.SessionOptions());
        this.layers = layers;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        for (int l = 0; l < layers; l++) {
            past.put(DecoderIo.pastKey(l), OnnxTensor.createTensor(env, FloatBuffer.allocate(0), new long[] {1, kvHeads, 0, headDim}));
            past.put(DecoderIo.pastValue(l), OnnxTensor.createTensor(env, FloatBuffer.allocate(0), new long[] {1, kvHeads, 0, headDim}));
        }
    }

    /** Logits {@code [tokens.length][vocab]} of {@code tokens} after everything run so far. */
    float[][] step(long[] tokens, int vocab) throws OrtException {
        int n = tokens.length;
        long[] mask = new long[length + n];
        java.util.Arrays.fill(mask, 1);
        long[] positions = new long[n];
        for (int i = 0; i < n; i++) positions[i] = length + i;
        Map<String, OnnxTensor> feed = new HashMap<>(past);
        feed.put(DecoderIo.INPUT_IDS, OnnxTensor.createTensor(env, LongBuffer.wrap(tokens), new long[] {1, n}));
        feed.put(DecoderIo.ATTENTION_MASK, OnnxTensor.createTensor(env, LongBuffer.wrap(mask), new long[] {1, mask.length}));
        feed.put(DecoderIo.POSITION_IDS, OnnxTensor.createTensor(env, LongBuffer.wrap(positions), new long[] {1, n}));
        float[][] out = new float[n][vocab];
        Map<String, OnnxTensor> next = new HashMap<>();
        try (OrtSession.Result r = session.run(feed)) {
            FloatBuffer logits = ((OnnxTensor) r.get(DecoderIo.LOGITS).get()).getFloatBuffer();
            for (int i = 0; i < n; i++) logits.get(out[i]);
            for (int l = 0; l < layers; l++) {
                next.put(DecoderIo.pastKey(l), copy((OnnxTensor) r.get(DecoderIo.presentKey(l)).get()));
                next.put(DecoderIo.pastValue(l), copy((OnnxTensor) r.get(DecoderIo.presentValue(l)).get()));
            }
        }
        for (OnnxTensor t : feed.values()) t.close();
        past = next;
        length += n;
        for (OnnxTensor t : past.values()) {
            if (t.getInfo().getShape()[2] != length) throw new IllegalStateException("present holds " + t.getInfo().getShape()[2] + " positions, expected " + length);
        }
        return out;
    }

    private OnnxTensor copy(OnnxTensor t) throws OrtException {
        long[] shape = t.getInfo().getShape();
        if (shape[0] != 1 || shape[1] != kvHeads || shape[3] != headDim) {
            throw new IllegalStateException("present shape " + java.util.Arrays.toString(shape));
        }
        FloatBuffer b = t.getFloatBuffer();
        FloatBuffer c = FloatBuffer.allocate(b.remaining());
        c.put(b).flip();
        return OnnxTensor.createTensor(env, c, shape);
    }

    int length() {
        return length;
    }

    @Override
    public void close() throws OrtException {
        for (OnnxTensor t : past.values()) t.close();
        session.close();
    }
}
