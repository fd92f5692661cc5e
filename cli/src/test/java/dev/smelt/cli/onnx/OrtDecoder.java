package dev.smelt.cli.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.smelt.converter.onnx.DecoderIo;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Drives an exported decoder through onnxruntime the way transformers.js does for one sequence: on the first call
 * every cache input is a zero tensor shaped from the graph's metadata (symbolic {@code batch_size} → 1, any other
 * symbolic axis → 0, numeric axes kept: {@code [1, kv_heads, 0, head_dim]} keys, zero Qwen3.5 conv and recurrent
 * states); outputs named {@code present*} are fed back renamed as transformers.js renames them
 * ({@code present_conv → past_conv}, {@code present_recurrent → past_recurrent}, {@code present → past_key_values});
 * the attention mask grows by the new tokens, position ids count on ({@code [3, 1, n]} when the graph takes
 * mRoPE positions).
 */
final class OrtDecoder implements AutoCloseable {
    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession session;
    private final int vocab;
    private Map<String, OnnxTensor> past = new HashMap<>();
    private int length;

    private final boolean mropePositions;

    OrtDecoder(Path model, int layers, int kvHeads, int headDim, int vocab) throws OrtException {
        this(model, vocab);
    }

    OrtDecoder(Path model, int vocab) throws OrtException {
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        // SMELT_ORT_NOOPT: run without graph optimisations (how the fp16 gap was ruled out as a fusion effect)
        if (System.getenv("SMELT_ORT_NOOPT") != null) options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.NO_OPT);
        session = env.createSession(model.toString(), options);
        this.vocab = vocab;
        boolean mrope = false;
        for (Map.Entry<String, NodeInfo> e : session.getInputInfo().entrySet()) {
            TensorInfo info = (TensorInfo) e.getValue().getInfo();
            String name = e.getKey();
            if (name.equals(DecoderIo.POSITION_IDS)) mrope = info.getShape().length == 3;
            if (name.equals(DecoderIo.INPUT_IDS) || name.equals(DecoderIo.INPUTS_EMBEDS) || name.equals(DecoderIo.ATTENTION_MASK)
                    || name.equals(DecoderIo.POSITION_IDS)) {
                continue;
            }
            long[] shape = info.getShape();
            String[] dims = info.getDimensionNames();
            long n = 1;
            for (int i = 0; i < shape.length; i++) {
                if (shape[i] < 0) shape[i] = DecoderIo.BATCH.equals(dims[i]) ? 1 : 0;
                n *= shape[i];
            }
            past.put(name, OnnxTensor.createTensor(env, FloatBuffer.allocate((int) n), shape));
        }
        mropePositions = mrope;
    }

    /** The input a {@code present*} output feeds on the next step (transformers.js's getPastKeyValues). */
    static String pastName(String present) {
        if (present.startsWith("present_conv")) return "past_conv" + present.substring("present_conv".length());
        if (present.startsWith("present_recurrent")) return "past_recurrent" + present.substring("present_recurrent".length());
        return "past_key_values" + present.substring("present".length());
    }

    /** Logits {@code [tokens.length][vocab]} of {@code tokens} run after everything so far. */
    float[][] step(long... tokens) throws OrtException {
        int n = tokens.length;
        int streams = mropePositions ? 3 : 1;
        long[] positions = new long[streams * n];
        for (int i = 0; i < positions.length; i++) positions[i] = length + i % n;
        return run(DecoderIo.INPUT_IDS, OnnxTensor.createTensor(env, LongBuffer.wrap(tokens), new long[] {1, n}), n, positions);
    }

    /**
     * The image+text decoder: logits of {@code n} rows of {@code inputs_embeds} ({@code [1, n, hidden]}) at the given
     * {@code [3, 1, n]} mRoPE positions, after everything so far.
     */
    float[][] stepEmbeddings(float[] embeds, int n, long[] positions) throws OrtException {
        return run(DecoderIo.INPUTS_EMBEDS, OnnxTensor.createTensor(env, FloatBuffer.wrap(embeds),
                new long[] {1, n, embeds.length / n}), n, positions);
    }

    private float[][] run(String inputName, OnnxTensor input, int n, long[] positions) throws OrtException {
        long[] mask = new long[length + n];
        Arrays.fill(mask, 1);
        Map<String, OnnxTensor> feed = new HashMap<>(past);
        feed.put(inputName, input);
        feed.put(DecoderIo.ATTENTION_MASK, OnnxTensor.createTensor(env, LongBuffer.wrap(mask), new long[] {1, mask.length}));
        feed.put(DecoderIo.POSITION_IDS, OnnxTensor.createTensor(env, LongBuffer.wrap(positions),
                mropePositions ? new long[] {3, 1, n} : new long[] {1, n}));
        float[][] out = new float[n][vocab];
        Map<String, OnnxTensor> next = new HashMap<>();
        try (OrtSession.Result r = session.run(feed)) {
            FloatBuffer logits = ((OnnxTensor) r.get(DecoderIo.LOGITS).get()).getFloatBuffer();
            for (int i = 0; i < n; i++) logits.get(out[i]);
            for (Map.Entry<String, ai.onnxruntime.OnnxValue> e : r) {
                if (e.getKey().startsWith("present")) next.put(pastName(e.getKey()), copy((OnnxTensor) e.getValue()));
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
