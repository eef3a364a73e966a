package dev.tollgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.RedisServer;
import dev.tollgate.gateway.limits.RateLimiter;
import dev.tollgate.gateway.limits.RedisRateLimiter;
import dev.tollgate.gateway.limits.SharedStore;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.vertx.core.Vertx;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A gateway naming a Redis keeps its limits there: another replica (here a second client with the same key
 * prefix) sees what this one took. Without the store, requests are refused (fail closed).
 */
@QuarkusTest
@TestProfile(SharedLimitEndToEndTest.WithRedis.class)
class SharedLimitEndToEndTest {
    static final String KEY = "sk-tg-shared-limit-key-0123456789abc";
    static RedisServer redis;

    public static class WithRedis implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            redis = RedisServer.start();
            Path folder = StandaloneFolder.create("tollgate-shared", """
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: GatewayDeployment
                    metadata: {name: shared}
                    spec: {redis: {url: "%s"}}
                    ---
                    apiVersion: v1
                    kind: Secret
                    metadata: {name: keys, labels: {llm.tollgate.dev/secret: key}}
                    stringData: {k: %s}
                    ---
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: VirtualKey
                    metadata: {name: k}
                    spec: {existingSecret: {name: keys, key: k}, limits: {rpm: 3}}
                    ---
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: LlmModel
                    metadata: {name: m}
                    spec: {modelName: m, provider: mock, model: m}
                    """.formatted(redis.url(), KEY));
            return StandaloneFolder.serve(folder);
        }
    }

    @TestHTTPResource("/v1/chat/completions")
    URL chat;

    int ask() throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(chat.toURI()).header("authorization", "Bearer " + KEY)
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"))
                .build(), HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    @Test
    void limitsLiveInRedisAndTheGatewayFailsClosedWithoutIt() throws Exception {
        assertThat(ask()).isEqualTo(200);
        assertThat(ask()).isEqualTo(200);
        Vertx v = Vertx.vertx();
        try {
            RedisRateLimiter otherReplica = new RedisRateLimiter(new SharedStore(v).redis(redis.url(), null),
                    "tollgate:default/shared:");
            RateLimiter.Limit rpm = new RateLimiter.Limit("key/default/k", RateLimiter.Kind.RPM, 3);
            assertThat(otherReplica.acquire(List.of(rpm)).toCompletionStage().toCompletableFuture()
                    .get(5, TimeUnit.SECONDS).admitted()).as("the third of three, taken by the other replica").isTrue();
        } finally {
            v.close();
        }
        assertThat(ask()).as("the limit is shared: nothing left for this replica").isEqualTo(429);

        redis.close();
        assertThat(ask()).as("no store, no enforcement: refused").isEqualTo(503);
    }
}
