package dev.smelt.bench.onnx;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
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
 * Greedy generation through an exported decoder in onnxruntime, fed as transformers.js feeds it: zero caches shaped
 * from the graph's metadata ({@code batch_size} → 1, other symbolic axes → 0), {@code present*} outputs fed back as
 * {@code past*} inputs, the mask grown and positions counted on ({@code [3, 1, n]} for mRoPE graphs).
 */
final class OrtGeneration implements AutoCloseable {
    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession session;
    private final Map<String, long[]> emptyShapes = new HashMap<>();
    private final boolean mrope;

    OrtGeneration(Path model, int threads) throws OrtException {
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        options.setIntraOpNumThreads(threads);
        options.setInterOpNumThreads(1);
        session = env.createSession(model.toString(), options);
        boolean m = false;
        for (Map.Entry<String, NodeInfo> e : session.getInputInfo().entrySet()) {
            TensorInfo info = (TensorInfo) e.getValue().getInfo();
            String name = e.getKey();
            if (name.equals(DecoderIo.POSITION_IDS)) m = info.getShape().length == 3;
            if (name.equals(DecoderIo.INPUT_IDS) || name.equals(DecoderIo.ATTENTION_MASK) || name.equals(DecoderIo.POSITION_IDS)) {
                continue;
            }
            long[] shape = info.getShape();
            String[] dims = info.getDimensionNames();
            for (int i = 0; i < shape.length; i++) if (shape[i] < 0) shape[i] = DecoderIo.BATCH.equals(dims[i]) ? 1 : 0;
            emptyShapes.put(name, shape);
        }
        mrope = m;
    }

    /** Times a prefill of {@code prompt} and {@code gen} greedy single-token steps: {prefill t/s, decode t/s}. */
    double[] measure(long[] prompt, int gen) throws OrtException {
        Map<String, OnnxTensor> past = new HashMap<>();
        for (Map.Entry<String, long[]> e : emptyShapes.entrySet()) {
            long n = Arrays.stream(e.getValue()).reduce(1, (a, b) -> a * b);
            past.put(e.getKey(), OnnxTensor.createTensor(env, FloatBuffer.allocate((int) n), e.getValue()));
        }
        long t0 = System.nanoTime();
        long[] next = {0};
        past = step(prompt, 0, past, next);
        long t1 = System.nanoTime();
        int length = prompt.length;
        for (int i = 0; i < gen; i++) {
            past = step(new long[] {next[0]}, length, past, next);
            length++;
        }
        long t2 = System.nanoTime();
        for (OnnxTensor t : past.values()) t.close();
        return new double[] {prompt.length * 1e9 / (t1 - t0), gen * 1e9 / (t2 - t1)};
    }

    private Map<String, OnnxTensor> step(long[] tokens, int length, Map<String, OnnxTensor> past, long[] next)
            throws OrtException {
        int n = tokens.length;
        long[] mask = new long[length + n];
        Arrays.fill(mask, 1);
        int streams = mrope ? 3 : 1;
        long[] positions = new long[streams * n];
        for (int i = 0; i < positions.length; i++) positions[i] = length + i % n;
        Map<String, OnnxTensor> feed = new HashMap<>(past);
        feed.put(DecoderIo.INPUT_IDS, OnnxTensor.createTensor(env, LongBuffer.wrap(tokens), new long[] {1, n}));
        feed.put(DecoderIo.ATTENTION_MASK, OnnxTensor.createTensor(env, LongBuffer.wrap(mask), new long[] {1, mask.length}));
        feed.put(DecoderIo.POSITION_IDS, OnnxTensor.createTensor(env, LongBuffer.wrap(positions),
                mrope ? new long[] {3, 1, n} : new long[] {1, n}));
        Map<String, OnnxTensor> out = new HashMap<>();
        try (OrtSession.Result r = session.run(feed)) {
            FloatBuffer logits = ((OnnxTensor) r.get(DecoderIo.LOGITS).get()).getFloatBuffer();
            int vocab = logits.remaining() / n;
            int base = (n - 1) * vocab;
            int best = 0;
            for (int i = 1; i < vocab; i++) if (logits.get(base + i) > logits.get(base + best)) best = i;
            next[0] = best;
            for (Map.Entry<String, OnnxValue> e : r) {
                if (!e.getKey().startsWith("present")) continue;
                OnnxTensor t = (OnnxTensor) e.getValue();
                FloatBuffer b = t.getFloatBuffer();
                FloatBuffer c = FloatBuffer.allocate(b.remaining());
                c.put(b).flip();
                out.put(pastName(e.getKey()), OnnxTensor.createTensor(env, c, t.getInfo().getShape()));
            }
        }
        for (OnnxTensor t : feed.values()) t.close();
        return out;
    }

    /** transformers.js's renaming of a {@code present*} output to the input it feeds. */
    static String pastName(String present) {
        if (present.startsWith("present_conv")) return "past_conv" + present.substring("present_conv".length());
        if (present.startsWith("present_recurrent")) return "past_recurrent" + present.substring("present_recurrent".length());
        return "past_key_values" + present.substring("present".length());
    }

    @Override
    public void close() throws OrtException {
        session.close();
    }
}
