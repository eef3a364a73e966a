package dev.tollgate.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.api.v1alpha1.Prompt;
import dev.tollgate.api.v1alpha1.PromptMessage;
import dev.tollgate.api.v1alpha1.PromptSpec;
import dev.tollgate.api.v1alpha1.PromptVariable;
import dev.tollgate.api.v1alpha1.PromptVersionSpec;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What makes a Prompt unservable: duplicate versions, a label to a missing version, an undeclared placeholder. */
public class PromptChecksTest {
    /** A Prompt "team-a/support" with versions (number, content, declared variables) and labels. */
    public static Prompt prompt(Map<String, Integer> labels, Object... versions) {
        Prompt p = new Prompt();
        p.setMetadata(new ObjectMetaBuilder().withNamespace("team-a").withName("support").withGeneration(1L).build());
        PromptSpec spec = new PromptSpec();
        List<PromptVersionSpec> vs = new ArrayList<>();
        for (int i = 0; i < versions.length; i += 3) {
            PromptVersionSpec v = new PromptVersionSpec();
            v.setVersion((Integer) versions[i]);
            PromptMessage m = new PromptMessage();
            m.setRole("system");
            m.setContent((String) versions[i + 1]);
            v.setMessages(new ArrayList<>(List.of(m)));
            List<PromptVariable> vars = new ArrayList<>();
            for (String name : ((String) versions[i + 2]).split(",")) {
                if (!name.isBlank()) {
                    PromptVariable var = new PromptVariable();
                    var.setName(name);
                    vars.add(var);
                }
            }
            v.setVariables(vars);
            vs.add(v);
        }
        spec.setVersions(vs);
        spec.setLabels(new LinkedHashMap<>(labels));
        p.setSpec(spec);
        return p;
    }

    @Test
    void aPromptWhosePlaceholdersAreDeclaredAndLabelsResolveHasNoProblem() {
        assertThat(PromptChecks.problems(prompt(Map.of("production", 1, "staging", 2),
                1, "Hello {{customer}}", "customer",
                2, "Hello {{ customer }}, about {{issue}} (no {{ placeholders }} in {single} braces)", "customer,issue,placeholders")))
                .isEmpty();
    }

    @Test
    void anUndeclaredPlaceholderIsAnInvalidTemplateNamingTheFieldAndVersion() {
        List<Problem> ps = PromptChecks.problems(prompt(Map.of(), 1, "ok", "", 2, "Hello {{customer}} {{ order }}", "customer"));
        assertThat(ps).hasSize(1);
        assertThat(ps.get(0).reason()).isEqualTo("InvalidTemplate");
        assertThat(ps.get(0).kind()).isEqualTo("Prompt");
        assertThat(ps.get(0).id()).isEqualTo("team-a/support");
        assertThat(ps.get(0).message()).contains("spec.versions[1].messages[0]", "{{order}}", "version 2")
                .doesNotContain("Hello");
    }

    @Test
    void duplicateVersionsLabelsToMissingVersionsAndTwiceDeclaredVariablesAreProblems() {
        List<Problem> ps = PromptChecks.problems(prompt(Map.of("production", 3), 1, "a", "x,x", 1, "b", ""));
        assertThat(ps).extracting(Problem::message).containsExactly(
                "spec.versions[0].variables: x is declared twice",
                "spec.versions[1]: version 1 is declared twice (versions are unique)",
                "spec.labels.production points at version 3, which spec.versions does not have");
        assertThat(PromptChecks.problems(prompt(Map.of()))).extracting(Problem::message)
                .containsExactly("spec.versions is empty: a Prompt needs at least one version");
    }
}
