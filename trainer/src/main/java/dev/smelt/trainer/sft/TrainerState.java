package dev.smelt.trainer.sft;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.smelt.core.SmeltException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Where a run stands, saved with each checkpoint: optimizer steps done, the data-loader position
 * (epoch and next batch within it; the shuffle order is a function of seed and epoch), the loss scale,
 * the tokens trained so far, and the run's fingerprint (the settings a resume must match). The dropout
 * RNG is reseeded from (seed, step, micro-batch) before every forward pass, so the step is its state.
 */
public record TrainerState(int step, int epoch, int batchInEpoch, long tokensSeen, double lossScale,
        int lossScaleGoodSteps, double bestEvalLoss, Map<String, String> fingerprint) {

    public static final String FILE = "trainer_state.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public TrainerState {
        fingerprint = Map.copyOf(fingerprint);
    }

    public String toJson() {
        ObjectNode o = JSON.createObjectNode();
        o.put("step", step);
        o.put("epoch", epoch);
        o.put("batch_in_epoch", batchInEpoch);
        o.put("tokens_seen", tokensSeen);
        o.put("loss_scale", lossScale);
        o.put("loss_scale_good_steps", lossScaleGoodSteps);
        o.put("best_eval_loss", Double.isFinite(bestEvalLoss) ? bestEvalLoss : -1);
        ObjectNode f = o.putObject("config");
        new TreeMap<>(fingerprint).forEach(f::put);
        try {
            return JSON.writeValueAsString(o) + "\n";
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public static TrainerState parse(String file, String text) {
        JsonNode o;
        try {
            o = JSON.readTree(text);
        } catch (Exception e) {
            throw new SmeltException(file + ": invalid JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
        for (String f : new String[] {"step", "epoch", "batch_in_epoch", "tokens_seen", "config"}) {
            if (!o.has(f)) throw new SmeltException(file + ": missing field \"" + f + "\"");
        }
        Map<String, String> fp = new LinkedHashMap<>();
        o.get("config").fields().forEachRemaining(e -> fp.put(e.getKey(), e.getValue().asText()));
        double best = o.path("best_eval_loss").asDouble(-1);
        return new TrainerState(o.get("step").asInt(), o.get("epoch").asInt(), o.get("batch_in_epoch").asInt(),
                o.get("tokens_seen").asLong(), o.path("loss_scale").asDouble(1.0), o.path("loss_scale_good_steps").asInt(0),
                best < 0 ? Double.NaN : best, fp);
    }

    /** Refuses a resume whose settings differ, naming the first differing field. */
    public void requireSameRun(String checkpoint, Map<String, String> current) {
        TreeSet<String> keys = new TreeSet<>(fingerprint.keySet());
        keys.addAll(current.keySet());
        for (String k : keys) {
            String was = fingerprint.get(k);
            String now = current.get(k);
            if (!Objects.equals(was, now)) {
                throw new SmeltException("cannot resume from " + checkpoint + ": setting \"" + k + "\" was "
                        + (was == null ? "absent" : "\"" + was + "\"") + " and is now "
                        + (now == null ? "absent" : "\"" + now + "\"") + " (start a fresh --out or restore the setting)");
            }
        }
    }
}
