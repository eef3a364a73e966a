package dev.tollgate.operator;

import static dev.tollgate.Fixtures.gateway;
import static dev.tollgate.Fixtures.key;
import static dev.tollgate.KubernetesNames.isDns1035Label;
import static dev.tollgate.KubernetesNames.isDns1123Subdomain;
import static dev.tollgate.KubernetesNames.isLabelValue;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.api.v1alpha1.Api;
import dev.tollgate.api.v1alpha1.GatewayDeployment;
import dev.tollgate.api.v1alpha1.VirtualKey;
import dev.tollgate.config.Checks;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Every object name and label value the operator derives from a resource's name is valid for every name the CRDs
 * accept (CelRulesTest proves which names those are), and label values are mapped when a name cannot be one.
 */
class NamesTest {
    /** The longest name the GatewayDeployment CRD accepts: a DNS-1035 label of GATEWAY_NAME_MAX_LENGTH characters. */
    static final String LONGEST_GATEWAY = "gw-" + "a".repeat(Api.GATEWAY_NAME_MAX_LENGTH - 4) + "9";
    /** Highest key shard index (KeyShards.MAX_SHARDS - 1). */
    static final int LAST_SHARD = 4095;

    @Test
    void everyObjectOfAGatewayWithTheLongestAcceptedNameIsValid() {
        assertThat(LONGEST_GATEWAY).hasSize(Api.GATEWAY_NAME_MAX_LENGTH);
        assertThat(isDns1035Label(LONGEST_GATEWAY)).isTrue();
        GatewayDeployment gw = gateway("team", LONGEST_GATEWAY);

        // Services are DNS-1035 labels (at most 63): the gateway's own, and the metrics Service (<gw>-metrics)
        // another change adds; its suffix is the longest one a Service gets, and it sets the limit.
        assertThat(List.of(Names.service(gw), LONGEST_GATEWAY + "-metrics")).allSatisfy(n -> assertThat(isDns1035Label(n))
                .as("%s is a Service name", n).isTrue());
        // Everything else is a DNS subdomain (at most 253), including the spend ConfigMap (<gw>-spend) being added.
        assertThat(List.of(Names.configMap(gw), Names.secret(gw), Names.keyShard(gw, 0), Names.keyShard(gw, LAST_SHARD),
                Names.deployment(gw), Names.serviceAccount(gw), Names.role(gw), LONGEST_GATEWAY + "-spend"))
                .allSatisfy(n -> assertThat(isDns1123Subdomain(n)).as("%s is an object name", n).isTrue());
        assertThat(Names.gatewayLabels(gw).values()).allSatisfy(v -> assertThat(isLabelValue(v)).as("label value %s", v).isTrue());
        // The labels keep the name itself: the operator finds a gateway's pods by it.
        assertThat(Names.selectorLabels(gw)).containsEntry("app.kubernetes.io/instance", LONGEST_GATEWAY);

        // And the limit is tight: one character more and the metrics Service could not be created.
        assertThat(isDns1035Label(LONGEST_GATEWAY + "x-metrics")).isFalse();
    }

    @Test
    void theKeySecretOfTheLongestAcceptedVirtualKeyNameIsValid() {
        String name = "k".repeat(Api.VIRTUAL_KEY_NAME_MAX_LENGTH - 4) + ".a-b";
        VirtualKey vk = key("team", name);
        assertThat(isDns1123Subdomain(name)).isTrue();
        assertThat(isDns1123Subdomain(Checks.keySecretName(vk))).as("the Secret <name>-key").isTrue();
        assertThat(isDns1123Subdomain(name + "x-key")).as("one character more").isFalse();
        // The name is too long for a label value: the Secret's instance label carries it shortened, not refused.
        assertThat(Names.keySecretLabels(name).values()).allSatisfy(v -> assertThat(isLabelValue(v)).as("label value %s", v).isTrue());
        assertThat(Names.keySecretLabels(name).get("app.kubernetes.io/instance")).isEqualTo(Names.labelValue(name));
    }

    @Test
    void aValidLabelValueIsKeptAsItIs() {
        for (String v : List.of("gw", "team-a", "search-app", "a.b_c-d", "A1", "x".repeat(63))) {
            assertThat(Names.labelValue(v)).isEqualTo(v);
        }
    }

    @Test
    void anythingElseBecomesAValidLabelValueThatKeepsItsBeginning() {
        List<String> inputs = List.of("x".repeat(64), "search-app-".repeat(20) + "prod", "a".repeat(240) + ".b-c",
                "-starts-with-a-dash", "ends-with-a-dash-", "has spaces/and:colons", "_", "", "é-accented",
                "---", "x".repeat(52) + "..." + "y".repeat(20));
        for (String in : inputs) {
            String out = Names.labelValue(in);
            assertThat(isLabelValue(out)).as("labelValue(%s) = %s", in, out).isTrue();
            assertThat(Names.labelValue(in)).as("stable").isEqualTo(out);
        }
        assertThat(Names.labelValue("search-app-".repeat(20) + "prod")).hasSize(63).startsWith("search-app-search-app-");
        assertThat(Names.labelValue("has spaces/and:colons")).startsWith("has-spaces-and-colons-");
    }

    @Test
    void distinctValuesGetDistinctLabelValues() {
        // Long names that differ only after the characters a label value keeps.
        Random random = new Random(14);
        String common = "team-search-production-europe-west-".repeat(3);
        Set<String> inputs = new HashSet<>();
        Set<String> outputs = new HashSet<>();
        while (inputs.size() < 20_000) {
            String in = common + Long.toString(random.nextLong() & Long.MAX_VALUE, 36);
            if (inputs.add(in)) {
                outputs.add(Names.labelValue(in));
            }
        }
        assertThat(outputs).hasSize(inputs.size());
        assertThat(Names.labelValue(common + "a")).isNotEqualTo(Names.labelValue(common + "b"));
    }
}
