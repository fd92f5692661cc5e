package dev.smelt.spark.prepare;

import dev.smelt.core.SmeltException;
import dev.smelt.core.privacy.DjlTelemetry;
import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/** The session the mains use: the master given, else spark-submit's, else local[*]; DJL's telemetry off on executors. */
final class SparkSessions {
    private SparkSessions() {}

    static SparkConf conf(String appName, String master, List<String> settings) {
        return conf(appName, master, settings, false);
    }

    /** @param progress show Spark's console progress bar (stages and tasks done) on stderr while the executors work */
    static SparkConf conf(String appName, String master, List<String> settings, boolean progress) {
        SparkConf conf = new SparkConf(); // reads spark.* system properties, which spark-submit sets
        conf.setAppName(appName);
        if (master != null) conf.setMaster(master);
        else if (!conf.contains("spark.master")) conf.setMaster("local[*]");
        for (String kv : settings) {
            int eq = kv.indexOf('=');
            if (eq <= 0) throw new SmeltException("--conf " + kv + ": expected KEY=VALUE, e.g. spark.sql.files.maxPartitionBytes=64m");
            conf.set(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
        }
        // DJL calls home when a tokenizer is created unless told not to; every executor JVM gets both switches
        // (DatasetTokenizer also sets the system properties before it creates one).
        conf.setIfMissing("spark.executorEnv.OPT_OUT_TRACKING", "true");
        conf.setIfMissing("spark.executorEnv.DJL_OFFLINE", "true");
        String opts = conf.get("spark.executor.extraJavaOptions", "");
        if (!opts.contains(DjlTelemetry.OFFLINE_PROPERTY)) {
            conf.set("spark.executor.extraJavaOptions", (opts + " " + String.join(" ", DjlTelemetry.childJvmOptions())).trim());
        }
        conf.setIfMissing("spark.ui.showConsoleProgress", Boolean.toString(progress));
        if (conf.get("spark.master").startsWith("local")) {
            // one machine: stay on loopback (Spark otherwise picks the host's address and warns when it resolves to loopback)
            conf.setIfMissing("spark.driver.bindAddress", "127.0.0.1");
            conf.setIfMissing("spark.driver.host", "127.0.0.1");
            conf.setIfMissing("spark.ui.enabled", "false");
        }
        return conf;
    }

    static SparkSession start(String appName, String master, List<String> settings, boolean progress) {
        DjlTelemetry.disable();
        return SparkSession.builder().config(conf(appName, master, settings, progress)).getOrCreate();
    }
}
