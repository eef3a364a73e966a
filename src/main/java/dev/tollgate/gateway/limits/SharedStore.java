package dev.tollgate.gateway.limits;

import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisAPI;
import io.vertx.redis.client.RedisOptions;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The Redis the rendered config names (GatewayDeployment.spec.redis), one pooled non-blocking client per URL and
 * password. Replicas of one gateway share its state; the key prefix keeps several gateways apart in one Redis.
 */
@ApplicationScoped
public class SharedStore {
    private final Vertx vertx;
    private final Map<String, Redis> clients = new ConcurrentHashMap<>();

    public SharedStore(Vertx vertx) {
        this.vertx = vertx;
    }

    public RedisAPI redis(String url, String password) {
        String id = url + "\u0000" + Objects.hashCode(password);
        Redis client = clients.computeIfAbsent(id, k -> {
            RedisOptions o = new RedisOptions().setConnectionString(url).setMaxPoolSize(16).setMaxPoolWaiting(1024);
            if (password != null) {
                o.setPassword(password);
            }
            return Redis.createClient(vertx, o);
        });
        return RedisAPI.api(client);
    }

    @PreDestroy
    void close() {
        clients.values().forEach(Redis::close);
    }
}
