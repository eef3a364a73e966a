package dev.tollgate.gateway.provider;

import java.util.ArrayList;
import java.util.List;

/** Cancels an upstream call when the client goes away. Thread-safe; actions run at most once. */
public final class Cancellation {
    private final List<Runnable> actions = new ArrayList<>();
    private boolean cancelled;
    /** Who sees the attempt's requests to its provider (tracing), or null. */
    private volatile UpstreamObserver observer;

    /** The attempt's observer (see {@link UpstreamObserver}), or null when it is not observed. */
    public UpstreamObserver observer() {
        return observer;
    }

    public void observer(UpstreamObserver observer) {
        this.observer = observer;
    }

    public void onCancel(Runnable action) {
        boolean runNow;
        synchronized (this) {
            runNow = cancelled;
            if (!runNow) {
                actions.add(action);
            }
        }
        if (runNow) {
            action.run();
        }
    }

    public void cancel() {
        List<Runnable> toRun;
        synchronized (this) {
            if (cancelled) {
                return;
            }
            cancelled = true;
            toRun = List.copyOf(actions);
            actions.clear();
        }
        toRun.forEach(Runnable::run);
    }

    public synchronized boolean cancelled() {
        return cancelled;
    }
}
