package dev.smelt.trainer.sft;

import ai.djl.ndarray.types.DataType;
import dev.smelt.core.io.ByteSizes;
import dev.smelt.models.Precision;
import dev.smelt.trainer.SettingException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Turns an allocation failure into one line naming the batch that caused it and what to change. */
final class OutOfMemory {
    private OutOfMemory() {}

    /** libtorch's CPU allocator: "you tried to allocate N bytes"; CUDA's: "Tried to allocate 2.00 GiB". */
    private static final Pattern CPU_BYTES = Pattern.compile("tried to allocate (\\d+) bytes");
    private static final Pattern CUDA_SIZE = Pattern.compile("tried to allocate ([0-9.]+ [kmgt]?i?b)");

    static RuntimeException wrap(Throwable e, HostBatch batch, TrainConfig cfg) {
        String msg = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
        boolean oom = e instanceof OutOfMemoryError || msg.contains("out of memory") || msg.contains("can't allocate memory")
                || msg.contains("cannot allocate memory") || msg.contains("not enough memory") || msg.contains("failed to allocate");
        if (!oom) return e instanceof RuntimeException re ? re : new RuntimeException(e);
        String devices = cfg.deviceNames();
        String where = batch == null ? "while loading the model"
                : "on a micro-batch of " + batch.rows() + " rows × " + batch.length() + " tokens";
        String tried = e instanceof OutOfMemoryError ? " (Java heap)" : requested(msg);
        boolean singleGpu = cfg.devices().size() == 1 && cfg.devices().get(0).isGpu();
        return new SettingException("out of memory on " + devices + " " + where + tried + " ({batchSize} " + cfg.batchSize()
                + ", {seqLen} " + cfg.seqLen() + ", {precision} " + Precision.name(cfg.precision())
                + "): lower {batchSize} or {seqLen} and raise {gradAccum} to keep the effective batch"
                + (singleGpu && cfg.precision() == DataType.FLOAT32 ? ", or use {precision} fp16" : ""), e);
    }

    private static String requested(String msg) {
        Matcher cpu = CPU_BYTES.matcher(msg);
        if (cpu.find()) return " (tried to allocate " + ByteSizes.format(Long.parseLong(cpu.group(1))) + ")";
        Matcher cuda = CUDA_SIZE.matcher(msg);
        return cuda.find() ? " (tried to allocate " + cuda.group(1).toUpperCase(Locale.ROOT).replace("IB", "iB") + ")" : "";
    }
}
