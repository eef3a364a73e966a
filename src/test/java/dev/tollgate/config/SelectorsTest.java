package dev.tollgate.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.api.v1alpha1.Selection;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class SelectorsTest {
    private static final Map<String, String> PROD_A = Map.of("tier", "prod", "team", "a");

    private static LabelSelector expr(String key, String op, String... values) {
        return new LabelSelectorBuilder()
                .addToMatchExpressions(new LabelSelectorRequirement(key, op, values.length == 0 ? null : List.of(values)))
                .build();
    }

    @Nested
    class Matches {
        @Test
        void nullSelectorMatchesEverythingIncludingNoLabels() {
            assertThat(Selectors.matches(null, PROD_A)).isTrue();
            assertThat(Selectors.matches(null, Map.of())).isTrue();
            assertThat(Selectors.matches(null, null)).isTrue();
        }

        @Test
        void emptySelectorMatchesEverything() {
            assertThat(Selectors.matches(new LabelSelector(), PROD_A)).isTrue();
            assertThat(Selectors.matches(new LabelSelector(), null)).isTrue();
        }

        @Test
        void matchLabelsNeedsEveryPairWithTheSameValue() {
            LabelSelector s = new LabelSelectorBuilder().addToMatchLabels("tier", "prod").addToMatchLabels("team", "a").build();
            assertThat(Selectors.matches(s, PROD_A)).isTrue();
            assertThat(Selectors.matches(s, Map.of("tier", "prod", "team", "a", "extra", "x"))).isTrue();
            assertThat(Selectors.matches(s, Map.of("tier", "prod"))).isFalse();
            assertThat(Selectors.matches(s, Map.of("tier", "prod", "team", "b"))).isFalse();
            assertThat(Selectors.matches(s, null)).isFalse();
        }

        @Test
        void inNeedsTheLabelWithOneOfTheValues() {
            LabelSelector s = expr("tier", "In", "prod", "staging");
            assertThat(Selectors.matches(s, Map.of("tier", "prod"))).isTrue();
            assertThat(Selectors.matches(s, Map.of("tier", "staging"))).isTrue();
            assertThat(Selectors.matches(s, Map.of("tier", "dev"))).isFalse();
            assertThat(Selectors.matches(s, Map.of())).isFalse();
        }

        @Test
        void notInMatchesOtherValuesAndAbsentLabels() {
            LabelSelector s = expr("tier", "NotIn", "prod");
            assertThat(Selectors.matches(s, Map.of("tier", "dev"))).isTrue();
            assertThat(Selectors.matches(s, Map.of("team", "a"))).isTrue(); // as in Kubernetes
            assertThat(Selectors.matches(s, Map.of("tier", "prod"))).isFalse();
        }

        @Test
        void existsAndDoesNotExistLookOnlyAtTheKey() {
            assertThat(Selectors.matches(expr("tier", "Exists"), Map.of("tier", ""))).isTrue();
            assertThat(Selectors.matches(expr("tier", "Exists"), Map.of("team", "a"))).isFalse();
            assertThat(Selectors.matches(expr("tier", "DoesNotExist"), Map.of("team", "a"))).isTrue();
            assertThat(Selectors.matches(expr("tier", "DoesNotExist"), Map.of("tier", "prod"))).isFalse();
            assertThat(Selectors.matches(expr("tier", "DoesNotExist"), null)).isTrue();
        }

        @Test
        void unknownOperatorMatchesNothing() {
            assertThat(Selectors.matches(expr("tier", "Gt", "1"), Map.of("tier", "2"))).isFalse();
        }

        @Test
        void labelsAndExpressionsMustAllHold() {
            LabelSelector s = new LabelSelectorBuilder().addToMatchLabels("team", "a")
                    .addNewMatchExpression().withKey("tier").withOperator("In").withValues("prod").endMatchExpression()
                    .addNewMatchExpression().withKey("legacy").withOperator("DoesNotExist").endMatchExpression()
                    .build();
            assertThat(Selectors.matches(s, PROD_A)).isTrue();
            assertThat(Selectors.matches(s, Map.of("team", "a", "tier", "dev"))).isFalse();
            assertThat(Selectors.matches(s, Map.of("team", "b", "tier", "prod"))).isFalse();
            assertThat(Selectors.matches(s, Map.of("team", "a", "tier", "prod", "legacy", "yes"))).isFalse();
        }
    }

    @Nested
    class Admits {
        private final Function<String, Map<String, String>> nsLabels =
                ns -> Map.of("ml", Map.of("team", "ml"), "gw", Map.<String, String>of()).getOrDefault(ns, Map.of());

        private Selection selection(LabelSelector selector, LabelSelector namespaceSelector) {
            Selection s = new Selection();
            s.setSelector(selector);
            s.setNamespaceSelector(namespaceSelector);
            return s;
        }

        @Test
        void noSelectionAdmitsEverythingInTheGatewaysNamespaceOnly() {
            assertThat(Selectors.admits(null, "gw", "gw", Map.of(), nsLabels)).isTrue();
            assertThat(Selectors.admits(null, "gw", "ml", Map.of(), nsLabels)).isFalse();
            assertThat(Selectors.admits(new Selection(), "gw", "gw", PROD_A, nsLabels)).isTrue();
            assertThat(Selectors.admits(new Selection(), "gw", "ml", PROD_A, nsLabels)).isFalse();
        }

        @Test
        void emptyNamespaceSelectorAdmitsEveryNamespace() {
            Selection all = selection(null, new LabelSelector());
            assertThat(Selectors.admits(all, "gw", "gw", Map.of(), nsLabels)).isTrue();
            assertThat(Selectors.admits(all, "gw", "ml", Map.of(), nsLabels)).isTrue();
            assertThat(Selectors.admits(all, "gw", "unknown-ns", Map.of(), nsLabels)).isTrue();
        }

        @Test
        void namespaceSelectorAdmitsOnlyMatchingNamespacesNotEvenTheGatewaysOwn() {
            Selection ml = selection(null, new LabelSelectorBuilder().addToMatchLabels("team", "ml").build());
            assertThat(Selectors.admits(ml, "gw", "ml", Map.of(), nsLabels)).isTrue();
            assertThat(Selectors.admits(ml, "gw", "gw", Map.of(), nsLabels)).isFalse();
            assertThat(Selectors.admits(ml, "gw", "unknown-ns", Map.of(), nsLabels)).isFalse();
        }

        @Test
        void resourceSelectorAppliesOnTopOfTheNamespaceRule() {
            Selection prodHere = selection(new LabelSelectorBuilder().addToMatchLabels("tier", "prod").build(), null);
            assertThat(Selectors.admits(prodHere, "gw", "gw", PROD_A, nsLabels)).isTrue();
            assertThat(Selectors.admits(prodHere, "gw", "gw", Map.of("tier", "dev"), nsLabels)).isFalse();
            assertThat(Selectors.admits(prodHere, "gw", "gw", null, nsLabels)).isFalse();
            assertThat(Selectors.admits(prodHere, "gw", "ml", PROD_A, nsLabels)).isFalse();

            Selection prodAnywhere = selection(new LabelSelectorBuilder().addToMatchLabels("tier", "prod").build(),
                    new LabelSelector());
            assertThat(Selectors.admits(prodAnywhere, "gw", "ml", PROD_A, nsLabels)).isTrue();
            assertThat(Selectors.admits(prodAnywhere, "gw", "ml", Map.of("tier", "dev"), nsLabels)).isFalse();
        }
    }
}
