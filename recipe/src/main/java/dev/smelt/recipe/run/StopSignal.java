package dev.smelt.recipe.run;

import java.util.concurrent.atomic.AtomicReference;

/** Ctrl-C for a run: the running step registers how to stop (training saves a checkpoint first). */
public final class StopSignal {
    private volatile boolean requested;
    private final AtomicReference<Runnable> onStop = new AtomicReference<>();

    public void request() {
        requested = true;
        Runnable r = onStop.get();
        if (r != null) r.run();
    }

    public boolean requested() {
        return requested;
    }

    /** Called (at once if a stop was already asked for) when a stop is requested; null clears it. */
    public void onStop(Runnable r) {
        onStop.set(r);
        if (r != null && requested) r.run();
    }
}
