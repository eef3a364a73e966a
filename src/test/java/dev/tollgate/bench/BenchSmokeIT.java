package dev.tollgate.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * A smoke run of the gateway benchmark ({@code bench/run --quick}) on the packaged jar, so the harness cannot rot
 * unnoticed: it must start the fake upstream and Tollgate with every key feature on, drive every scenario, stop
 * what it started and print a table in which Tollgate answered every request. It measures nothing worth quoting
 * (a few seconds per step); the real run is the separate command documented in bench/README.md.
 */
class BenchSmokeIT {
    @Test
    void theQuickBenchmarkRunsAndTollgateAnswersEveryRequest() throws Exception {
        assertThat(Path.of("target/quarkus-app/quarkus-run.jar")).as("the packaged application").exists();
        Path out = Files.createTempFile("bench-smoke", ".log");
        Process p = new ProcessBuilder("bash", "bench/run", "--quick", "--no-build", "--only", "direct tollgate-full")
                .redirectErrorStream(true).redirectOutput(out.toFile()).start();
        boolean ended = p.waitFor(5, TimeUnit.MINUTES);
        if (!ended) {
            p.descendants().forEach(ProcessHandle::destroy);
            p.destroy();
        }
        String log = Files.readString(out);
        assertThat(ended).as("bench/run ended within 5 minutes:\n%s", log).isTrue();
        assertThat(p.exitValue()).as("bench/run's exit code:\n%s", log).isZero();

        String table = Files.readString(Path.of("bench/results-quick.md"));
        List<String> tollgateRows = table.lines().filter(l -> l.startsWith("| Tollgate, auth + budget")).toList();
        assertThat(tollgateRows).as(table).hasSize(4); // latency, throughput, streaming, memory
        // latency at c=1: a positive p50 and no errors
        assertThat(cells(tollgateRows.get(0)).get(1)).matches("\\d+\\.\\d+");
        assertThat(cells(tollgateRows.get(0)).get(5)).isEqualTo("0");
        // throughput: the warm-up's length, requests/s measured, no non-2xx answers, no errors at the fixed rate
        assertThat(Integer.parseInt(cells(tollgateRows.get(1)).get(1))).isPositive();
        assertThat(Double.parseDouble(cells(tollgateRows.get(1)).get(2))).isPositive();
        assertThat(cells(tollgateRows.get(1)).get(6)).isEqualTo("0");
        assertThat(cells(tollgateRows.get(1)).get(9)).isEqualTo("0");
        // streams: all 50 completed, none failed or unfinished
        assertThat(cells(tollgateRows.get(2)).get(5)).isEqualTo("50");
        assertThat(cells(tollgateRows.get(2)).get(6)).isEqualTo("0/0");
        // memory: an RSS was read
        assertThat(Integer.parseInt(cells(tollgateRows.get(3)).get(1))).isPositive();
        // and nothing it started is left running
        Matcher pids = Pattern.compile("FakeUpstream|quarkus-run.jar standalone .*bench").matcher(
                String.join("\n", ProcessHandle.allProcesses().map(h -> h.info().commandLine().orElse("")).toList()));
        assertThat(pids.find()).as("a process bench/run started is still running").isFalse();
        new File(out.toString()).delete();
    }

    private static List<String> cells(String row) {
        return List.of(row.substring(1, row.length() - 1).split("\\|")).stream().map(String::trim).toList();
    }
}
