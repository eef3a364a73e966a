package dev.tollgate.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The PromQL of deploy/monitoring (the PrometheusRule's expressions, the dashboard's panel targets and variable
 * queries), the metric selectors in it, and the check of those selectors against a real scrape.
 *
 * <p>Every selector names its job ({@code job="tollgate-gateway"} or {@code job="tollgate-operator"}): that says which
 * process must export the metric, and keeps the queries off same-named metrics of other jobs (jvm_*).
 */
public final class MonitoringFiles {
    public static final Path DIR = Path.of("deploy/monitoring");
    public static final String GATEWAY_JOB = "tollgate-gateway";
    public static final String OPERATOR_JOB = "tollgate-operator";
    /** Series Prometheus makes itself for every target, never in a scrape. */
    static final Set<String> MADE_BY_PROMETHEUS = Set.of("up");
    /** Labels Prometheus puts on a target's series (PodMonitor/ServiceMonitor, relabelings), never in a scrape. */
    static final Set<String> TARGET_LABELS = Set.of("job", "instance", "namespace", "pod", "container", "endpoint",
            "service", "gateway");

    private MonitoringFiles() {}

    /** One PromQL expression and where it comes from (for messages). */
    public record Query(String where, String promql) {}

    /** One vector selector: a metric name and its label matchers (label to operator and value, e.g. {@code =~"5.."}). */
    public record Selector(String metric, Map<String, String> matchers) {
        /** The job it names with {@code =}, or null. */
        public String job() {
            String m = matchers.get("job");
            return m != null && m.startsWith("=\"") ? m.substring(2, m.length() - 1) : null;
        }
    }

    static final YAMLMapper YAML = new YAMLMapper();
    static final ObjectMapper JSON = new ObjectMapper();

    public static JsonNode rule() {
        return read(() -> YAML.readTree(DIR.resolve("prometheusrule.yaml").toFile()));
    }

    public static JsonNode dashboard() {
        return read(() -> JSON.readTree(DIR.resolve("grafana-dashboard.json").toFile()));
    }

    /** The path the PodMonitor scrapes gateway pods on. */
    public static String gatewayScrapePath() {
        return read(() -> YAML.readTree(DIR.resolve("podmonitor-gateways.yaml").toFile()))
                .path("spec").path("podMetricsEndpoints").get(0).path("path").asText();
    }

    /** The path the ServiceMonitor scrapes the operator on. */
    public static String operatorScrapePath() {
        return read(() -> YAML.readTree(DIR.resolve("servicemonitor-operator.yaml").toFile()))
                .path("spec").path("endpoints").get(0).path("path").asText();
    }

    /** Every PromQL expression of the rule and the dashboard. */
    public static List<Query> queries() {
        List<Query> out = new ArrayList<>();
        for (JsonNode group : rule().path("spec").path("groups")) {
            for (JsonNode r : group.path("rules")) {
                out.add(new Query("rule " + r.path("alert").asText(r.path("record").asText()), r.path("expr").asText()));
            }
        }
        JsonNode d = dashboard();
        for (JsonNode p : panels(d)) {
            for (JsonNode t : p.path("targets")) {
                out.add(new Query("panel \"" + p.path("title").asText() + "\" target " + t.path("refId").asText(),
                        t.path("expr").asText()));
            }
        }
        for (JsonNode v : d.path("templating").path("list")) {
            if ("query".equals(v.path("type").asText())) {
                JsonNode q = v.path("query");
                String text = q.isObject() ? q.path("query").asText() : q.asText();
                Matcher m = Pattern.compile("^label_values\\((.*),\\s*[a-zA-Z_]+\\)$").matcher(text.trim());
                out.add(new Query("variable " + v.path("name").asText(), m.matches() ? m.group(1) : text));
            }
        }
        return out;
    }

    /** The dashboard's panels, those inside collapsed rows included. */
    public static List<JsonNode> panels(JsonNode dashboard) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode p : dashboard.path("panels")) {
            out.add(p);
            p.path("panels").forEach(out::add);
        }
        return out;
    }

    private static final Set<String> GROUPING = Set.of("by", "without", "on", "ignoring", "group_left", "group_right");
    private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "bool", "offset", "inf", "nan",
            "sum", "min", "max", "avg", "count", "stddev", "stdvar", "topk", "bottomk", "quantile", "count_values", "group",
            "limitk", "limit_ratio");

    /**
     * The vector selectors of a PromQL expression, by a small tokenizer: strings, ranges ({@code [5m]}), Grafana
     * variables and numbers are skipped; an identifier followed by {@code (} is a function; aggregation operators,
     * set operators and {@code bool}/{@code offset} are keywords; the label list after by/without/on/ignoring/
     * group_left/group_right is not a metric. What is left is a metric name, with the matchers in braces after it.
     */
    public static List<Selector> selectors(String q) {
        List<Selector> out = new ArrayList<>();
        int n = q.length();
        int i = 0;
        while (i < n) {
            char c = q.charAt(i);
            if (c == '"' || c == '\'' || c == '`') {
                i = endOfString(q, i);
            } else if (c == '[') {
                i = q.indexOf(']', i) + 1;
            } else if (c == '{') {
                throw new IllegalArgumentException("a selector without a metric name in: " + q);
            } else if (c == '$') {
                i++;
                if (i < n && q.charAt(i) == '{') {
                    i = q.indexOf('}', i) + 1;
                } else {
                    while (i < n && (Character.isLetterOrDigit(q.charAt(i)) || q.charAt(i) == '_')) {
                        i++;
                    }
                }
            } else if (Character.isDigit(c) || (c == '.' && i + 1 < n && Character.isDigit(q.charAt(i + 1)))) {
                i++;
                while (i < n && (Character.isLetterOrDigit(q.charAt(i)) || q.charAt(i) == '.'
                        || ((q.charAt(i) == '+' || q.charAt(i) == '-') && (q.charAt(i - 1) == 'e' || q.charAt(i - 1) == 'E')))) {
                    i++;
                }
            } else if (Character.isLetter(c) || c == '_' || c == ':') {
                int start = i;
                while (i < n && (Character.isLetterOrDigit(q.charAt(i)) || q.charAt(i) == '_' || q.charAt(i) == ':')) {
                    i++;
                }
                String word = q.substring(start, i);
                int j = skipSpace(q, i);
                String lower = word.toLowerCase(java.util.Locale.ROOT);
                if (GROUPING.contains(lower)) {
                    i = j < n && q.charAt(j) == '(' ? closing(q, j) + 1 : i;
                } else if (KEYWORDS.contains(lower) || (j < n && q.charAt(j) == '(')) {
                    // a keyword, or a function: its arguments are read on
                } else {
                    Map<String, String> matchers = new TreeMap<>();
                    if (j < n && q.charAt(j) == '{') {
                        i = matchers(q, j, matchers);
                    }
                    out.add(new Selector(word, matchers));
                }
            } else {
                i++;
            }
        }
        return out;
    }

    private static final Pattern MATCHER = Pattern.compile("\\s*([a-zA-Z_][a-zA-Z0-9_]*)\\s*(=~|!~|!=|=)\\s*(\"(?:[^\"\\\\]|\\\\.)*\")\\s*,?");

    /** Reads {@code {a="b", c=~"d"}} at {@code open}; returns the index after the closing brace. */
    private static int matchers(String q, int open, Map<String, String> into) {
        int i = open + 1;
        while (true) {
            i = skipSpace(q, i);
            if (q.charAt(i) == '}') {
                return i + 1;
            }
            Matcher m = MATCHER.matcher(q);
            if (!m.find(i) || m.start() != i) {
                throw new IllegalArgumentException("a label matcher I cannot read at " + i + " in: " + q);
            }
            into.put(m.group(1), m.group(2) + m.group(3));
            i = m.end();
        }
    }

    private static int endOfString(String q, int open) {
        char quote = q.charAt(open);
        int i = open + 1;
        while (i < q.length() && q.charAt(i) != quote) {
            i += q.charAt(i) == '\\' && quote != '`' ? 2 : 1;
        }
        return i + 1;
    }

    private static int closing(String q, int open) {
        int depth = 0;
        for (int i = open; i < q.length(); i++) {
            if (q.charAt(i) == '(') {
                depth++;
            } else if (q.charAt(i) == ')' && --depth == 0) {
                return i;
            }
        }
        throw new IllegalArgumentException("unbalanced parentheses in: " + q);
    }

    private static int skipSpace(String q, int i) {
        while (i < q.length() && Character.isWhitespace(q.charAt(i))) {
            i++;
        }
        return i;
    }

    /**
     * Reads a scrape with {@code Accept: *}{@code /*} (as curl and JDK 25 send it), which Quarkus answers in
     * OpenMetrics text, the format the assertions are written in. Left to the JDK's default, the format differs
     * between JDKs: JDK 17's HttpURLConnection sends a browser-like Accept and gets text format 0.0.4, whose label
     * sets end in ",}" (Quarkus refuses an explicit OpenMetrics Accept with 406).
     */
    public static String scrape(java.net.URL url) {
        return read(() -> {
            java.net.URLConnection c = url.openConnection();
            c.setRequestProperty("Accept", "*/*");
            try (var in = c.getInputStream()) {
                return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            }
        });
    }

    /** A Prometheus text scrape: each sample name with the label names its samples carry. */
    public static Map<String, Set<String>> samples(String scrape) {
        Map<String, Set<String>> out = new TreeMap<>();
        Pattern label = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"(?:[^\"\\\\]|\\\\.)*\"");
        for (String line : scrape.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int brace = line.indexOf('{');
            int space = line.indexOf(' ');
            int end = brace >= 0 && (space < 0 || brace < space) ? brace : space;
            Set<String> labels = out.computeIfAbsent(line.substring(0, end), k -> new TreeSet<>());
            if (end == brace) {
                Matcher m = label.matcher(line.substring(brace, line.lastIndexOf('}') + 1));
                while (m.find()) {
                    labels.add(m.group(1));
                }
            }
        }
        return out;
    }

    /**
     * What is wrong with the selectors that name {@code job}, against that job's scrape: a metric no sample carries
     * (names are compared as exported, so {@code _count}, {@code _sum}, {@code _max}, {@code _bucket} and
     * {@code _total} must be spelt as in the scrape), or a matcher on a label its samples do not carry.
     */
    public static List<String> problems(String job, String scrape) {
        return problems(job, scrape, queries());
    }

    static List<String> problems(String job, String scrape, List<Query> queries) {
        Map<String, Set<String>> samples = samples(scrape);
        Map<String, String> problems = new LinkedHashMap<>();
        for (Query query : queries) {
            for (Selector s : selectors(query.promql())) {
                if (!job.equals(s.job()) || MADE_BY_PROMETHEUS.contains(s.metric())) {
                    continue;
                }
                Set<String> labels = samples.get(s.metric());
                if (labels == null) {
                    problems.putIfAbsent(query.where() + ": " + s.metric(), query.where() + ": metric " + s.metric()
                            + " is not in a scrape of " + job);
                    continue;
                }
                for (String l : s.matchers().keySet()) {
                    if (!TARGET_LABELS.contains(l) && !labels.contains(l)) {
                        problems.putIfAbsent(query.where() + ": " + s.metric() + "/" + l, query.where() + ": metric "
                                + s.metric() + " has no label " + l + " (it has " + labels + ")");
                    }
                }
            }
        }
        return List.copyOf(problems.values());
    }

    /**
     * The README's table of metrics (section Monitoring): for the rows of {@code process} ("gateway" or "operator"),
     * each metric name (braces expanded: {@code a_{x,y}} is {@code a_x} and {@code a_y}) with the labels it lists.
     */
    public static Map<String, Set<String>> readmeMetrics(String process) {
        Map<String, Set<String>> out = new TreeMap<>();
        Pattern code = Pattern.compile("`([^`]+)`");
        for (String line : readString(Path.of("README.md")).split("\n")) {
            String[] cells = line.split("\\|");
            if (cells.length < 5 || !cells[1].trim().equals(process)) {
                continue;
            }
            Set<String> labels = new TreeSet<>();
            Matcher l = code.matcher(cells[3]);
            while (l.find()) {
                labels.add(l.group(1));
            }
            Matcher m = code.matcher(cells[2]);
            while (m.find()) {
                for (String name : expand(m.group(1))) {
                    out.put(name, labels);
                }
            }
        }
        return out;
    }

    /** The tollgate_* metrics of a scrape, with the labels their samples carry. */
    public static Map<String, Set<String>> tollgateSamples(String scrape) {
        Map<String, Set<String>> out = new TreeMap<>(samples(scrape));
        out.keySet().removeIf(n -> !n.startsWith("tollgate_") && !n.startsWith("gen_ai_"));
        return out;
    }

    private static List<String> expand(String name) {
        int open = name.indexOf('{');
        if (open < 0) {
            return List.of(name);
        }
        int close = name.indexOf('}', open);
        List<String> out = new ArrayList<>();
        for (String alt : name.substring(open + 1, close).split(",")) {
            out.addAll(expand(name.substring(0, open) + alt + name.substring(close + 1)));
        }
        return out;
    }

    private interface Io<T> {
        T get() throws IOException;
    }

    private static <T> T read(Io<T> io) {
        try {
            return io.get();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String readString(Path p) {
        return read(() -> Files.readString(p));
    }
}
