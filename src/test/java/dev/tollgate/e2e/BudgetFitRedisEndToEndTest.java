package dev.tollgate.e2e;

import dev.tollgate.RedisServer;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.util.Map;

/** {@link BudgetFit} on the Redis ledger (a real redis-server on a free port), as replicas share it. */
@QuarkusTest
@TestProfile(BudgetFitRedisEndToEndTest.WithRedis.class)
class BudgetFitRedisEndToEndTest extends BudgetFit {
    static RedisServer redis;

    public static class WithRedis implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            redis = RedisServer.start();
            return StandaloneFolder.serve(StandaloneFolder.create("tollgate-budget-fit-redis",
                    manifests("{redis: {url: \"" + redis.url() + "\"}}")),
                    "tollgate.gateway.budget.in-flight-wait-millis", "10000");
        }
    }
}
