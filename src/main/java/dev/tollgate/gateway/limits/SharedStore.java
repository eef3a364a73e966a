package dev.tollgate.gateway.limits;

import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisAPI;
import io.vertx.redis.client.RedisOptions;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The Redis the rendered config names (GatewayDeployment.spec.redis), one pooled non-blocking client per URL and
 * password. Replicas of one gateway share its state; the key prefix keeps several gateways apart in one Redis.
 */
@ApplicationScoped
public class SharedStore {
    private final Vertx vertx;
    /** One client (and its API wrapper) per URL and password; the password never leaves this map. */
    private final Map<Target, RedisAPI> clients = new ConcurrentHashMap<>();

    private record Target(String url, String password) {
        @Override
        public String toString() {
            return "Target[" + url + "]";
        }
    }

    public SharedStore(Vertx vertx) {
        this.vertx = vertx;
    }

    /** Called on every limited or budgeted request: a map lookup once the client exists. */
    public RedisAPI redis(String url, String password) {
        return clients.computeIfAbsent(new Target(url, password), t -> {
            RedisOptions o = new RedisOptions().setConnectionString(url).setMaxPoolSize(16).setMaxPoolWaiting(1024);
            if (password != null) {
                o.setPassword(password);
            }
            return RedisAPI.api(Redis.createClient(vertx, o));
        });
    }

    @PreDestroy
    void close() {
        clients.values().forEach(RedisAPI::close);
    }
}
