package dev.smelt.cli.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.smelt.converter.onnx.DecoderIo;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Drives an exported decoder through onnxruntime the way transformers.js does for one sequence: an empty
 * {@code [1, kv_heads, 0, head_dim]} past on the first call, {@code present.*} fed back as {@code past_key_values.*},
 * the attention mask grown by the new tokens, position ids counting on.
 */
final class OrtDecoder implements AutoCloseable {
    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession session;
    private final int layers;
    private final int vocab;
    private Map<String, OnnxTensor> past = new HashMap<>();
    private int length;

    OrtDecoder(Path model, int layers, int kvHeads, int headDim, int vocab) throws OrtException {
        session = env.createSession(model.toString(), new OrtSession.SessionOptions());
        this.layers = layers;
        this.vocab = vocab;
        long[] empty = {1, kvHeads, 0, headDim};
        for (int l = 0; l < layers; l++) {
            past.put(DecoderIo.pastKey(l), OnnxTensor.createTensor(env, FloatBuffer.allocate(0), empty));
            past.put(DecoderIo.pastValue(l), OnnxTensor.createTensor(env, FloatBuffer.allocate(0), empty));
        }
    }

    /** Logits {@code [tokens.length][vocab]} of {@code tokens} run after everything so far. */
    float[][] step(long... tokens) throws OrtException {
        int n = tokens.length;
        long[] mask = new long[length + n];
        Arrays.fill(mask, 1);
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
        return out;
    }

    /** Greedy continuation of {@code prompt}: {@code count} tokens, each the argmax of the last logits. */
    long[] greedy(long[] prompt, int count) throws OrtException {
        long[] out = new long[count];
        float[][] logits = step(prompt);
        for (int i = 0; i < count; i++) {
            out[i] = argmax(logits[logits.length - 1]);
            if (i + 1 < count) logits = step(out[i]);
        }
        return out;
    }

    static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
        return best;
    }

    private OnnxTensor copy(OnnxTensor t) throws OrtException {
        FloatBuffer b = t.getFloatBuffer();
        FloatBuffer c = FloatBuffer.allocate(b.remaining());
        c.put(b).flip();
        return OnnxTensor.createTensor(env, c, t.getInfo().getShape());
    }

    @Override
    public void close() throws OrtException {
        for (OnnxTensor t : past.values()) t.close();
        session.close();
    }
}
