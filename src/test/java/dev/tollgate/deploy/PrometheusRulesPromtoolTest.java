package dev.tollgate.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The PromQL of deploy/monitoring through Prometheus' own parser and rule engine ({@code promtool}, Debian package
 * {@code prometheus}; .ci/run installs it): the PrometheusRule's rules and every dashboard query parse, and the alerts
 * fire on what they are about (src/test/resources/monitoring/alerts-test.yaml). Needs promtool on the PATH; fails,
 * never skips, without it.
 */
class PrometheusRulesPromtoolTest {
    @TempDir
    Path dir;

    @Test
    void theRulesParseAndEachAlertFiresOnItsCondition() throws Exception {
        MonitoringFiles.YAML.writeValue(dir.resolve("rules.yaml").toFile(), MonitoringFiles.rule().path("spec"));
        assertThat(promtool("check", "rules", dir.resolve("rules.yaml").toString())).contains("SUCCESS");
        Files.copy(Path.of("src/test/resources/monitoring/alerts-test.yaml"), dir.resolve("alerts-test.yaml"));
        assertThat(promtool("test", "rules", dir.resolve("alerts-test.yaml").toString())).contains("SUCCESS");
    }

    @Test
    void everyDashboardQueryParses() throws Exception {
        // each query as a recording rule, Grafana's interval variable replaced by a duration
        ObjectNode file = MonitoringFiles.YAML.createObjectNode();
        ArrayNode rules = file.putArray("groups").addObject().put("name", "dashboard").putArray("rules");
        List<String> queries = new ArrayList<>();
        for (MonitoringFiles.Query q : MonitoringFiles.queries()) {
            if (q.where().startsWith("rule ")) {
                continue;
            }
            queries.add(q.where());
            rules.addObject().put("record", "dashboard:query_" + queries.size())
                    .put("expr", q.promql().replace("$__rate_interval", "5m"));
        }
        assertThat(queries).hasSizeGreaterThan(20);
        MonitoringFiles.YAML.writeValue(dir.resolve("dashboard.yaml").toFile(), file);
        assertThat(promtool("check", "rules", dir.resolve("dashboard.yaml").toString()))
                .contains("SUCCESS: " + queries.size() + " rules found");
    }

    @Test
    void promtoolRefusesABrokenExpression() throws Exception {
        // the checks above can fail: a query Prometheus cannot parse is refused
        Files.writeString(dir.resolve("bad.yaml"), """
                groups:
                  - name: bad
                    rules:
                      - record: bad:rate
                        expr: sum by (model (rate(tollgate_tokens_total[5m]))
                """);
        Process p = start("check", "rules", dir.resolve("bad.yaml").toString());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isNotZero();
    }

    private static String promtool(String... args) throws Exception {
        Process p = start(args);
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return fail("promtool " + String.join(" ", args) + " did not finish within 60 s");
        }
        assertThat(p.exitValue()).as("promtool " + String.join(" ", args) + ":\n" + out).isZero();
        return out;
    }

    private static Process start(String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("promtool"));
        command.addAll(List.of(args));
        try {
            return new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            return fail("promtool is not on the PATH (" + e.getMessage() + "). PrometheusRulesPromtoolTest checks "
                    + "deploy/monitoring with it: install Debian's prometheus package (.ci/run does).");
        }
    }
}
