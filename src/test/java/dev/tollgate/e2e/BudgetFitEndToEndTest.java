package dev.tollgate.e2e;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.util.Map;

/** {@link BudgetFit} on one gateway's in-memory ledger. */
@QuarkusTest
@TestProfile(BudgetFitEndToEndTest.InMemory.class)
class BudgetFitEndToEndTest extends BudgetFit {
    public static class InMemory implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            // a generous wait for requests in flight: the machine running the tests may be slow
            return StandaloneFolder.serve(StandaloneFolder.create("tollgate-budget-fit", manifests("{}")),
                    "tollgate.gateway.budget.in-flight-wait-millis", "10000");
        }
    }
}
