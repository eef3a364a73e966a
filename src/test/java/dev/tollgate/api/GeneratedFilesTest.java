package dev.tollgate.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The committed CRDs (crds/) and the field reference (docs/api-reference.md) must match what the Java API
 * classes generate. A @QuarkusTest, so the operator SDK has generated target/kubernetes/ before it runs.
 * The Helm chart carries exact copies in deploy/helm/tollgate/crds/ (Helm reads CRDs from the chart only): checked
 * and rewritten with crds/. Run with -Dupdate-generated=true to rewrite the committed files after changing the API.
 */
@WithKubernetesTestServer
@QuarkusTest
class GeneratedFilesTest {
    static final Path GENERATED = Path.of("target/kubernetes");
    static final Path COMMITTED = Path.of("crds");
    /** The Helm chart's copies (Helm loads CRDs from the chart's own crds/ only). */
    static final Path CHART_CRDS = Path.of("deploy/helm/tollgate/crds");
    static final Path REFERENCE = Path.of("docs/api-reference.md");
    static final boolean UPDATE = Boolean.getBoolean("update-generated");

    static List<Path> generatedCrds() throws IOException {
        try (Stream<Path> s = Files.list(GENERATED)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".llm.tollgate.dev-v1.yml")).sorted().toList();
        }
    }

    @Test
    void committedCrdsMatchTheJavaClasses() throws IOException {
        List<Path> generated = generatedCrds();
        assertThat(generated).extracting(p -> p.getFileName().toString()).containsExactly(
                "budgets.llm.tollgate.dev-v1.yml", "gatewaydeployments.llm.tollgate.dev-v1.yml",
                "llmmodels.llm.tollgate.dev-v1.yml", "logsinks.llm.tollgate.dev-v1.yml", "prompts.llm.tollgate.dev-v1.yml",
                "virtualkeys.llm.tollgate.dev-v1.yml");
        if (UPDATE) {
            for (Path dir : List.of(COMMITTED, CHART_CRDS)) {
                Files.createDirectories(dir);
                try (Stream<Path> s = Files.list(dir)) {
                    for (Path stale : s.filter(p -> p.getFileName().toString().endsWith(".llm.tollgate.dev-v1.yml")).toList()) {
                        Files.delete(stale);
                    }
                }
                for (Path g : generated) {
                    Files.copy(g, dir.resolve(g.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        for (Path dir : List.of(COMMITTED, CHART_CRDS)) {
            for (Path g : generated) {
                Path c = dir.resolve(g.getFileName());
                assertThat(c).as("%s is committed (run the tests with -Dupdate-generated=true)", c).exists();
                assertThat(Files.readString(c)).as("%s drifted from the Java API classes: regenerate with "
                        + "-Dupdate-generated=true and commit", c).isEqualTo(Files.readString(g));
            }
        }
        try (Stream<Path> s = Files.list(CHART_CRDS)) {
            assertThat(s.map(p -> p.getFileName().toString()).sorted().toList()).as("no stale CRDs in %s", CHART_CRDS)
                    .isEqualTo(generated.stream().map(p -> p.getFileName().toString()).toList());
        }
        try (Stream<Path> s = Files.list(COMMITTED)) {
            // kustomization.yaml lists the CRDs for deploy/ (DeployManifestsTest checks it lists exactly these).
            assertThat(s.map(p -> p.getFileName().toString()).filter(n -> !n.equals("kustomization.yaml")).sorted().toList())
                    .as("no stale CRDs in crds/")
                    .isEqualTo(generated.stream().map(p -> p.getFileName().toString()).toList());
        }
    }

    @Test
    void fieldReferenceMatchesTheCrds() throws IOException {
        String reference = CrdReference.render(generatedCrds());
        if (UPDATE) {
            Files.createDirectories(REFERENCE.getParent());
            Files.writeString(REFERENCE, reference);
        }
        assertThat(REFERENCE).exists();
        assertThat(Files.readString(REFERENCE)).as("docs/api-reference.md is stale: regenerate with "
                + "-Dupdate-generated=true").isEqualTo(reference);
        // Every spec field has a description (house rule), so the reference never has an empty cell.
        assertThat(reference).doesNotContain("| — |");
    }
}
