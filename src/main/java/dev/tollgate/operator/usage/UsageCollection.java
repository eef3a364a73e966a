package dev.tollgate.operator.usage;

import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;

/**
 * When usage is collected: on the elected leader only. Reading a gateway's report is that gateway's hand-over of its
 * last usage when it stops ({@code UsageRecorder.markRead}), so a standby replica must never read one: with leader
 * election, collection starts when this replica becomes leader and stops when it stops leading; without (QOSDK
 * elects in the prod profile only; tests and dev run one replica), it starts with the operator.
 */
public final class UsageCollection {
    private final Runnable start;
    private final Runnable stop;
    private boolean running;

    /** @param start starts collecting ({@link UsageScraper#start()}); {@code stop} stops it. */
    public UsageCollection(Runnable start, Runnable stop) {
        this.start = start;
        this.stop = stop;
    }

    /** For JOSDK's {@code LeaderElectionConfiguration}: collect while leading. */
    public LeaderCallbacks callbacks() {
        return new LeaderCallbacks(this::leading, this::notLeading, leader -> { });
    }

    /** The operator has started; {@code electing}: whether it runs leader election (then the callbacks decide). */
    public synchronized void operatorStarted(boolean electing) {
        if (!electing) {
            begin();
        }
    }

    /** The operator stops. */
    public synchronized void shutdown() {
        end();
    }

    synchronized void leading() {
        begin();
    }

    synchronized void notLeading() {
        end();
    }

    public synchronized boolean running() {
        return running;
    }

    private void begin() {
        if (!running) {
            start.run();
            running = true;
        }
    }

    private void end() {
        if (running) {
            running = false;
            stop.run();
        }
    }
}
