package dev.tollgate.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * tollgate.operator.lease-namespace (the chart's leaderElection.leaseNamespace, env
 * TOLLGATE_OPERATOR_LEASE_NAMESPACE) moves the leader-election Lease; unset, JOSDK uses the operator's namespace.
 * MicroProfile Config is built once per class loader, so each case reads it through a fresh one.
 */
class LeaseNamespaceTest {

    @Test
    void leaseNamespaceComesFromConfigAndDefaultsToTheOperatorsOwn() throws Exception {
        String key = "tollgate.operator.lease-namespace";
        System.setProperty(key, "ops");
        try {
            LeaderElectionConfiguration moved = withFreshConfig(LeaseNamespaceTest::leaderElection);
            assertThat(moved.getLeaseNamespace()).contains("ops");
            assertThat(moved.getLeaseName()).isEqualTo("tollgate-operator");
        } finally {
            System.clearProperty(key);
        }
        assertThat(withFreshConfig(LeaseNamespaceTest::leaderElection).getLeaseNamespace()).isEmpty();
    }

    private static LeaderElectionConfiguration leaderElection() {
        return new OperatorLifecycle(null, null, null).leaderElection();
    }

    private static <T> T withFreshConfig(Supplier<T> body) throws Exception {
        Thread t = Thread.currentThread();
        ClassLoader previous = t.getContextClassLoader();
        try (URLClassLoader fresh = new URLClassLoader(new URL[0], previous)) {
            t.setContextClassLoader(fresh);
            return body.get();
        } finally {
            t.setContextClassLoader(previous);
        }
    }
}
