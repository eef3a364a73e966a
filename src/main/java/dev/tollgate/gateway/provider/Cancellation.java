package dev.tollgate.gateway.provider;

import java.util.ArrayList;
import java.util.List;

/** Cancels an upstream call when the client goes away. Thread-safe; actions run at most once. */
public final class Cancellation {
    private final List<Runnable> actions = new ArrayList<>();
    private boolean cancelled;

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
