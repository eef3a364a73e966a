package dev.tollgate.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * What deploy/ installs (kustomize base, the Helm chart under deploy/helm, GitOps examples, monitoring) names only
 * immutable images: the release version, never a SNAPSHOT (the pom's development version) nor {@code latest}. Every
 * text file under deploy/ is read, comments left out, so a new file is covered without listing it here.
 */
class ImmutableTagsTest {
    static final Path DEPLOY = Path.of("deploy");
    /** The chart's values schema, which refuses SNAPSHOT and latest tags by a pattern naming them. */
    static final Path VALUES_SCHEMA = DEPLOY.resolve("helm/tollgate/values.schema.json");
    static final Pattern SNAPSHOT = Pattern.compile("(?i)snapshot");
    /** An image reference tagged latest, or a tag/newTag/appVersion value of latest. */
    static final Pattern LATEST = Pattern.compile(
            "[A-Za-z0-9.-]+(?::\\d+)?/[A-Za-z0-9._/-]+:latest(?![A-Za-z0-9._-])"
                    + "|(?i)\\b(?:newTag|tag|appVersion)\\s*[:=]\\s*[\"']?latest[\"']?\\s*,?\\s*$");

    @Test
    void deployNamesNoSnapshotAndNoLatestImage() throws IOException {
        List<String> problems = new ArrayList<>();
        int files = 0;
        try (Stream<Path> walk = Files.walk(DEPLOY)) {
            for (Path f : walk.filter(Files::isRegularFile).sorted().toList()) {
                if (f.equals(VALUES_SCHEMA)) {
                    continue; // it names SNAPSHOT and latest to refuse them (HelmChartTest.valuesSchemaRefuses...)
                }
                String text;
                try {
                    text = Files.readString(f);
                } catch (MalformedInputException binary) {
                    continue;
                }
                files++;
                problems.addAll(problems(f.toString(), text));
            }
        }
        assertThat(files).as("text files under deploy/").isGreaterThan(3);
        assertThat(problems).as("mutable image tags in deploy/ (use the release version, e.g. 0.1.0)").isEmpty();
    }

    @Test
    void theCheckSeesSnapshotsAndLatestButNotCommentsOrOtherLatests() {
        assertThat(problems("a.yaml", "image: ghcr.io/tollgate-dev/tollgate:0.1.0-SNAPSHOT")).hasSize(1);
        assertThat(problems("a.yaml", "  newTag: 0.2.0-snapshot")).hasSize(1);
        assertThat(problems("Chart.yaml", "appVersion: \"0.1.0-SNAPSHOT\"")).hasSize(1);
        assertThat(problems("a.yaml", "image: ghcr.io/tollgate-dev/tollgate:latest")).hasSize(1);
        assertThat(problems("values.yaml", "  tag: latest")).hasSize(1);
        assertThat(problems("values.yaml", "  tag: \"latest\"")).hasSize(1);
        assertThat(problems("d.json", "{\"image\": \"registry.local:5000/team/tollgate:latest\"}")).hasSize(1);
        // Fine: released tags, digests, comments, and "latest" that is no image tag.
        assertThat(problems("a.yaml", "image: ghcr.io/tollgate-dev/tollgate:0.1.0")).isEmpty();
        assertThat(problems("a.yaml", "image: ghcr.io/tollgate-dev/tollgate:0.1.0@sha256:" + "a".repeat(64))).isEmpty();
        assertThat(problems("a.yaml", "# never a SNAPSHOT or :latest here")).isEmpty();
        assertThat(problems("a.yaml", "tag: 0.1.0  # not latest-SNAPSHOT")).isEmpty();
        assertThat(problems("ns.yaml", "    pod-security.kubernetes.io/enforce-version: latest")).isEmpty();
        assertThat(problems("a.tpl", "{{- /* comment */}}\nimage: {{ .Values.image.repository }}:{{ .Values.image.tag"
                + " | default .Chart.AppVersion }}")).isEmpty();
    }

    /** Each non-comment line of {@code text} that names a SNAPSHOT or a latest image, as "file:line: text". */
    static List<String> problems(String file, String text) {
        List<String> out = new ArrayList<>();
        List<String> lines = text.lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            String line = stripComment(lines.get(i));
            if (SNAPSHOT.matcher(line).find() || LATEST.matcher(line).find()) {
                out.add(file + ":" + (i + 1) + ": " + lines.get(i).strip());
            }
        }
        return out;
    }

    /** A line without its YAML/shell comment (a '#' at the start or after whitespace); other files unchanged. */
    static String stripComment(String line) {
        if (line.stripLeading().startsWith("#")) {
            return "";
        }
        int hash = line.indexOf(" #");
        return hash < 0 ? line : line.substring(0, hash);
    }
}
