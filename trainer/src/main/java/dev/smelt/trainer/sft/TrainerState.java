package dev.smelt.trainer.sft;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.smelt.core.SmeltException;
import dev.smelt.trainer.SettingException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * {@code trainer_state.json} of a checkpoint: the {@link RunState} and the run's fingerprint (the settings a
 * resume must match, {@link TrainConfig#fingerprint}).
 */
public record TrainerState(RunState run, double bestEvalLoss, Map<String, String> fingerprint) {

    public static final String FILE = "trainer_state.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public TrainerState {
        fingerprint = Map.copyOf(fingerprint);
    }

    public String toJson() {
        ObjectNode o = JSON.createObjectNode();
        o.put("step", run.step());
        o.put("epoch", run.epoch());
        o.put("batch_in_epoch", run.batchInEpoch());
        o.put("tokens_seen", run.tokensSeen());
        o.put("loss_scale", run.lossScale());
        o.put("loss_scale_good_steps", run.lossScaleGoodSteps());
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
        RunState run = new RunState(o.get("step").asInt(), o.get("epoch").asInt(), o.get("batch_in_epoch").asInt(),
                o.get("tokens_seen").asLong(), o.path("loss_scale").asDouble(1.0), o.path("loss_scale_good_steps").asInt(0));
        return new TrainerState(run, best < 0 ? Double.NaN : best, fp);
    }

    /** Refuses a resume whose settings differ, naming the first differing field. */
    public void requireSameRun(String checkpoint, Map<String, String> current) {
        TreeSet<String> keys = new TreeSet<>(fingerprint.keySet());
        keys.addAll(current.keySet());
        for (String k : keys) {
            String was = fingerprint.get(k);
            String now = current.get(k);
            if (!Objects.equals(was, now)) {
                throw new SettingException("cannot resume from " + checkpoint + ": setting \"" + k + "\" was "
                        + (was == null ? "absent" : "\"" + was + "\"") + " and is now "
                        + (now == null ? "absent" : "\"" + now + "\"") + " (start a fresh {outDir} or restore the setting)");
            }
        }
    }
}
