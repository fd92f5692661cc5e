package dev.smelt.trainer.sft;

import dev.smelt.core.SmeltException;
import java.util.Locale;

/** Turns an allocation failure into one line naming the batch that caused it and what to change. */
final class OutOfMemory {
    private OutOfMemory() {}

    static RuntimeException wrap(Throwable e, HostBatch batch, TrainConfig cfg) {
        String msg = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
        boolean oom = e instanceof OutOfMemoryError || msg.contains("out of memory") || msg.contains("can't allocate memory")
                || msg.contains("cannot allocate memory") || msg.contains("failed to allocate");
        if (!oom) return e instanceof RuntimeException re ? re : new RuntimeException(e);
        String where = batch == null ? "while loading the model"
                : "on a micro-batch of " + batch.rows() + " rows × " + batch.length() + " tokens";
        return new SmeltException("out of memory on " + cfg.devices() + " " + where + " (--batch-size " + cfg.batchSize()
                + ", --seq-len " + cfg.seqLen() + ", --precision " + cfg.precision().name().toLowerCase(Locale.ROOT)
                + "): lower --batch-size or --seq-len and raise --grad-accum to keep the effective batch"
                + (cfg.devices().size() == 1 && cfg.devices().get(0).isGpu() ? ", or use --precision fp16" : ""), e);
    }
}
