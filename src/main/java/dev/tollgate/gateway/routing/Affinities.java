package dev.tollgate.gateway.routing;

import dev.tollgate.gateway.Snapshot;
import dev.tollgate.gateway.limits.SharedStore;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.redis.client.RedisAPI;
import io.vertx.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Session affinity: which deployment of a model group an affinity key was last served by, until a TTL passes
 * (refreshed by each answer). Kept in this replica's memory (bounded: past {@code maxEntries} the expired entries
 * are swept, and if that is not enough, arbitrary ones dropped) and, when the configuration names a Redis, shared
 * with the other replicas under {@code tollgate:<gateway>:aff:<token>} (SET PX on each answer, fire and forget; GET
 * only when this replica does not know the key).
 *
 * <p>The affinity key may be a user id: it is never stored, logged or sent as it is. Entries are keyed by a token,
 * the first 128 bits of SHA-256 over the group's name and the key, in hex.
 */
@ApplicationScoped
public class Affinities {
    private static final Logger LOG = Logger.getLogger(Affinities.class);

    private final Map<String, Entry> local = new ConcurrentHashMap<>();
    private final SharedStore store;
    private final Vertx vertx;
    private final long redisTimeoutMillis;
    private final int maxEntries;
    private final AtomicBoolean sweeping = new AtomicBoolean();
    private final AtomicBoolean warned = new AtomicBoolean();

    private record Entry(String deploymentId, long expiresAtMillis) {}

    @Inject
    public Affinities(SharedStore store, Vertx vertx,
            @ConfigProperty(name = "tollgate.gateway.affinity-max-entries", defaultValue = "100000") int maxEntries,
            @ConfigProperty(name = "tollgate.gateway.affinity-redis-timeout-millis", defaultValue = "200")
            long redisTimeoutMillis) {
        this.store = store;
        this.vertx = vertx;
        this.maxEntries = maxEntries;
        this.redisTimeoutMillis = redisTimeoutMillis;
    }

    /** In memory only (a configuration without Redis never asks for the store). */
    Affinities(int maxEntries) {
        this(null, null, maxEntries, 0);
    }

    /** The token an affinity key is kept under: it identifies the pairing without revealing the key. */
    static String token(String group, String affinityKey) {
        MessageDigest d = dev.tollgate.gateway.Sha256.digest();
        d.update(group.getBytes(StandardCharsets.UTF_8));
        d.update((byte) 0);
        return dev.tollgate.gateway.Sha256.hex(d.digest(affinityKey.getBytes(StandardCharsets.UTF_8)), 16);
    }

    /** The deployment this replica remembers for the token, or null (none, or expired). */
    String local(String token, long nowMillis) {
        Entry e = local.get(token);
        if (e == null) {
            return null;
        }
        if (e.expiresAtMillis() <= nowMillis) {
            local.remove(token, e);
            return null;
        }
        return e.deploymentId();
    }

    /** Whether the configuration shares affinity through a Redis. */
    boolean shared(Snapshot s) {
        return store != null && s.config().settings() != null && s.config().settings().redisUrl() != null;
    }

    /**
     * The deployment another replica remembered for the token, or null: none, Redis failed, or it did not answer
     * within the timeout (affinity is a preference: routing goes on by the strategy rather than wait).
     */
    Future<String> fetch(Snapshot s, String token) {
        Promise<String> p = Promise.promise();
        long timer = vertx == null || redisTimeoutMillis <= 0 ? -1
                : vertx.setTimer(redisTimeoutMillis, t -> p.tryComplete(null));
        redis(s).get(key(s, token)).onComplete(ar -> {
            if (timer >= 0) {
                vertx.cancelTimer(timer);
            }
            if (ar.failed()) {
                warnOnce(ar.cause());
                p.tryComplete(null);
            } else {
                Response r = ar.result();
                p.tryComplete(r == null ? null : r.toString());
            }
        });
        return p.future();
    }

    /** Remembers (or refreshes) the pairing for {@code ttlMillis}: here, and in Redis when the config names one. */
    Future<Void> remember(Snapshot s, String token, String deploymentId, long ttlMillis, long nowMillis) {
        local.put(token, new Entry(deploymentId, nowMillis + ttlMillis));
        if (local.size() > maxEntries) {
            bound(nowMillis);
        }
        if (!shared(s)) {
            return Future.succeededFuture();
        }
        return redis(s).set(List.of(key(s, token), deploymentId, "PX", Long.toString(ttlMillis)))
                .<Void>mapEmpty()
                .onFailure(this::warnOnce);
    }

    int size() {
        return local.size();
    }

    /** Sweeps expired entries; when the map is still over its bound, drops arbitrary ones down to 90 % of it. */
    private void bound(long nowMillis) {
        if (!sweeping.compareAndSet(false, true)) {
            return; // another thread is at it
        }
        try {
            local.values().removeIf(e -> e.expiresAtMillis() <= nowMillis);
            int excess = local.size() - maxEntries * 9 / 10;
            Iterator<String> it = local.keySet().iterator();
            while (excess-- > 0 && it.hasNext()) {
                it.next();
                it.remove();
            }
        } finally {
            sweeping.set(false);
        }
    }

    private RedisAPI redis(Snapshot s) {
        return store.redis(s.config().settings().redisUrl(), s.redisPassword());
    }

    private static String key(Snapshot s, String token) {
        return "tollgate:" + s.config().gateway() + ":aff:" + token;
    }

    private void warnOnce(Throwable t) {
        // the message of a Redis error carries no key (only the command's name); the token is not logged either
        if (warned.compareAndSet(false, true)) {
            LOG.warnf("session affinity: the shared store failed (%s); routing by strategy where it was needed, "
                    + "this replica's memory still applies (logged once)", t.getClass().getSimpleName());
        } else {
            LOG.debugf("session affinity: the shared store failed (%s)", t.getClass().getSimpleName());
        }
    }
}
