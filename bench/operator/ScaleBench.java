import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.api.v1alpha1.GatewayDeployment;
import dev.tollgate.api.v1alpha1.GatewayDeploymentSpec;
import dev.tollgate.api.v1alpha1.LlmModel;
import dev.tollgate.api.v1alpha1.LlmModelSpec;
import dev.tollgate.api.v1alpha1.VirtualKey;
import dev.tollgate.api.v1alpha1.VirtualKeySpec;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.crud.Attribute;
import io.fabric8.mockwebserver.crud.AttributeSet;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.File;
import java.io.FileInputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Operator scale benchmark: the packaged operator as its own process against a Fabric8 mock API server (CRUD
 * mode) that, like a real API server, refuses ConfigMaps and Secrets whose data exceed 1 MiB. Creates one
 * GatewayDeployment, N LlmModels and K VirtualKeys and measures the time until every key is Ready and served by
 * the rendered gateway config, the operator's memory, and what it costs when nothing changes.
 *
 * Run through bench/operator/run, which builds and puts the test classpath together.
 */
public class ScaleBench {
    static final String NS = "bench";
    static final String GW = "llm";
    static final long LIMIT = 1024 * 1024; // a real API server's limit on a ConfigMap's or Secret's data
    static final ObjectMapper JSON = new ObjectMapper();

    /** The CRUD dispatcher plus the API server's size limit, and counters of writes by resource. */
    static class Dispatcher extends KubernetesCrudDispatcher {
        final Map<String, AtomicLong> writes = new java.util.concurrent.ConcurrentHashMap<>();
        final AtomicLong refusedTooLarge = new AtomicLong();
        static final Set<String> STATUS_KINDS = Set.of("virtualkeys/status", "budgets/status", "llmmodels/status",
                "gatewaydeployments/status");
        final AtomicLong statusWrites = new AtomicLong();
        final AtomicLong statusWritesFailed = new AtomicLong();
        final AtomicLong statusBytes = new AtomicLong();
        volatile long largestData;
        volatile String largestName = "";

        @Override
        public MockResponse handleCreate(RecordedRequest request) {
            if (request.getPath().contains("/selfsubjectrulesreviews")) {
                // JOSDK checks its leader-election permissions at start: answer as an API server would for an admin.
                return new MockResponse().setResponseCode(201).setBody("{\"apiVersion\":\"authorization.k8s.io/v1\","
                        + "\"kind\":\"SelfSubjectRulesReview\",\"status\":{\"incomplete\":false,\"resourceRules\":"
                        + "[{\"verbs\":[\"*\"],\"apiGroups\":[\"*\"],\"resources\":[\"*\"]}]}}");
            }
            String before = before(request);
            long size = bodySize(request);
            return tooLarge(request) ? refuse() : count(request, before, size, super.handleCreate(request));
        }

        @Override
        public MockResponse handleUpdate(RecordedRequest request) {
            String before = before(request);
            long size = bodySize(request);
            return tooLarge(request) ? refuse() : count(request, before, size, super.handleUpdate(request));
        }

        @Override
        public MockResponse handlePatch(RecordedRequest request) {
            String before = before(request);
            long size = bodySize(request);
            return count(request, before, size, super.handlePatch(request));
        }

        /** The request body's size, read before the mock consumes it. */
        private static long bodySize(RecordedRequest r) {
            return r.getBody() == null ? 0 : r.getBody().getBytes().length; // getBytes() leaves the body unread
        }

        private MockResponse count(RecordedRequest r, String before, long size, MockResponse response) {
            String kind = kind(r.getPath());
            writes.computeIfAbsent(kind, k -> new AtomicLong()).incrementAndGet();
            if (STATUS_KINDS.contains(kind)) { // usage-driven status writes (--usage), counted with their bytes
                statusWrites.incrementAndGet();
                statusBytes.addAndGet(size);
                if (response.code() / 100 != 2) {
                    statusWritesFailed.incrementAndGet();
                }
            }
            if (recording && !r.getPath().contains("/leases")) {
                changes.add(describeChange(r, before, response));
            }
            return response;
        }

        // --- what each write changed, while recording (the no-op restart): kind, name, changed fields ---------
        volatile boolean recording;
        final List<String> changes = java.util.Collections.synchronizedList(new ArrayList<>());

        private String before(RecordedRequest r) {
            if (!recording) {
                return null;
            }
            var e = findResource(getKey(r.getPath().split("\\?")[0]));
            return e == null ? null : e.getValue();
        }

        private static String describeChange(RecordedRequest r, String before, MockResponse response) {
            String what = r.getMethod() + " " + r.getPath().split("\\?")[0] + " -> " + response.code();
            try {
                // getBytes() leaves the body unread for the client
                String after = response.getBody() == null ? null : new String(response.getBody().getBytes(), StandardCharsets.UTF_8);
                if (before == null || after == null) {
                    return what + (before == null ? " (created)" : "");
                }
                List<String> diff = new ArrayList<>();
                jsonDiff("", JSON.readTree(before), JSON.readTree(after), diff, r.getPath().contains("/secrets"));
                return what + " " + (diff.isEmpty() ? "(identical)" : diff);
            } catch (Exception e) {
                return what + " (" + e + ")";
            }
        }

        /** Changed JSON pointers, with values for non-Secrets (shortened); resourceVersion left out. */
        static void jsonDiff(String at, JsonNode a, JsonNode b, List<String> out, boolean secret) {
            if (at.equals("/metadata/resourceVersion") || java.util.Objects.equals(a, b)) {
                return;
            }
            if (a != null && b != null && a.isObject() && b.isObject()) {
                Set<String> names = new java.util.TreeSet<>();
                a.fieldNames().forEachRemaining(names::add);
                b.fieldNames().forEachRemaining(names::add);
                for (String n : names) {
                    jsonDiff(at + "/" + n, a.get(n), b.get(n), out, secret);
                }
                return;
            }
            if (a != null && b != null && a.isArray() && b.isArray() && a.size() == b.size()) {
                for (int i = 0; i < a.size(); i++) {
                    jsonDiff(at + "/" + i, a.get(i), b.get(i), out, secret);
                }
                return;
            }
            out.add(secret || at.startsWith("/data") || at.startsWith("/binaryData") ? at
                    : at + ": " + shorten(a) + " => " + shorten(b));
        }

        static String shorten(JsonNode n) {
            String s = String.valueOf(n);
            return s.length() > 120 ? s.substring(0, 60) + "…(" + s.length() + " chars)…" + s.substring(s.length() - 40) : s;
        }

        // --- an index by name: the CRUD mock finds a named object by scanning everything it stores -----------
        // (O(n) per request, so O(n²) for a run). Every write goes through findResource/processEvent; named GETs
        // through handleGet. Checked against the mock's own scan on a sample of lookups (indexChecks/Mismatches).
        final Map<String, Set<AttributeSet>> byName = new java.util.concurrent.ConcurrentHashMap<>();
        final AtomicLong lookups = new AtomicLong();
        final AtomicLong indexChecks = new AtomicLong();
        final AtomicLong indexMismatches = new AtomicLong();

        static String nameOf(AttributeSet a) {
            Attribute n = a.getAttribute("name");
            return n == null ? null : n.getValues().toString();
        }

        @Override
        public void processEvent(String path, AttributeSet pathAttributes, AttributeSet oldAttributes,
                io.fabric8.kubernetes.api.model.GenericKubernetesResource resource, String newState) {
            super.processEvent(path, pathAttributes, oldAttributes, resource, newState);
            if (oldAttributes != null && nameOf(oldAttributes) != null) {
                Set<AttributeSet> set = byName.get(nameOf(oldAttributes));
                if (set != null) {
                    set.remove(oldAttributes);
                }
            }
            if (newState != null) {
                // the key the mock just stored, computed as it does (KubernetesCrudDispatcher.processEvent)
                var ex = (io.fabric8.kubernetes.client.server.mock.KubernetesAttributesExtractor) attributeExtractor;
                AttributeSet key = resource != null ? ex.extract(resource) : ex.fromResource(newState);
                if (!key.containsKey("plural")) {
                    key = AttributeSet.merge(pathAttributes, key);
                }
                if (nameOf(key) != null) {
                    byName.computeIfAbsent(nameOf(key), k -> java.util.concurrent.ConcurrentHashMap.newKeySet()).add(key);
                }
            }
        }

        @Override
        public Map.Entry<AttributeSet, String> findResource(AttributeSet query) {
            String name = nameOf(query);
            if (name == null) {
                return super.findResource(query);
            }
            Map.Entry<AttributeSet, String> found = null;
            for (AttributeSet k : byName.getOrDefault(name, Set.of())) {
                String v = k.matches(query) ? map.get(k) : null;
                if (v != null) {
                    found = new java.util.AbstractMap.SimpleImmutableEntry<>(k, v);
                    break;
                }
            }
            if (lookups.incrementAndGet() % 200 == 0) {
                indexChecks.incrementAndGet();
                var scanned = super.findResource(query);
                if (!java.util.Objects.equals(scanned == null ? null : scanned.getValue(), found == null ? null : found.getValue())) {
                    indexMismatches.incrementAndGet();
                }
            }
            return found;
        }

        @Override
        public MockResponse handleGet(String path) {
            AttributeSet query = attributeExtractor.fromPath(path);
            if (!query.containsKey("name") || path.contains("fieldSelector") || path.contains("watch=")) {
                return super.handleGet(path);
            }
            var e = findResource(query);
            return e == null ? new MockResponse().setResponseCode(404) : new MockResponse().setResponseCode(200).setBody(e.getValue());
        }

        static String kind(String path) {
            String p = path.split("\\?")[0];
            for (String k : List.of("leases", "configmaps", "secrets", "virtualkeys", "llmmodels", "gatewaydeployments",
                    "budgets", "deployments", "replicasets", "pods", "services", "serviceaccounts", "rolebindings", "roles", "events",
                    "namespaces")) {
                if (p.contains("/" + k)) {
                    return k + (p.endsWith("/status") ? "/status" : "");
                }
            }
            return "other";
        }

        private boolean tooLarge(RecordedRequest r) {
            String path = r.getPath();
            if (!path.contains("/configmaps") && !path.contains("/secrets")) {
                return false;
            }
            try {
                JsonNode body = JSON.readTree(r.getBody().getBytes()); // getBytes() leaves the body unread
                long size = 0;
                boolean secret = path.contains("/secrets");
                for (String field : List.of("data", "binaryData", "stringData")) {
                    JsonNode d = body.get(field);
                    if (d == null) {
                        continue;
                    }
                    for (Iterator<Map.Entry<String, JsonNode>> it = d.fields(); it.hasNext(); ) {
                        var e = it.next();
                        String v = e.getValue().asText();
                        boolean encoded = secret && field.equals("data") || field.equals("binaryData");
                        size += e.getKey().length() + (encoded ? Base64.getDecoder().decode(v).length
                                : v.getBytes(StandardCharsets.UTF_8).length);
                    }
                }
                if (size > largestData) {
                    largestData = size;
                    largestName = body.path("metadata").path("name").asText();
                }
                return size > LIMIT;
            } catch (Exception e) {
                return false;
            }
        }

        private MockResponse refuse() {
            refusedTooLarge.incrementAndGet();
            return new MockResponse().setResponseCode(422).setBody("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":"
                    + "\"Failure\",\"reason\":\"Invalid\",\"code\":422,\"message\":\"data: Too long: must have at most "
                    + LIMIT + " bytes\"}");
        }

        long total(boolean withLeases) {
            return writes.entrySet().stream().filter(e -> withLeases || !e.getKey().equals("leases"))
                    .mapToLong(e -> e.getValue().get()).sum();
        }

        Map<String, Long> snapshot() {
            Map<String, Long> m = new java.util.TreeMap<>();
            writes.forEach((k, v) -> m.put(k, v.get()));
            return m;
        }
    }

    record Sample(double seconds, int ready, int live) {}

    /** Options without a value. */
    static final Set<String> FLAGS = Set.of("precreate");

    public static void main(String[] args) throws Exception {
        Map<String, String> opt = new HashMap<>(Map.of("keys", "10000", "models", "100", "idle", "30",
                "jar", "target/quarkus-app/quarkus-run.jar", "out", "bench/operator/results.md", "timeout", "600",
                "jvm", "-XX:MaxRAM=512m", "label", "", "command", "bench/operator/run"));
        for (int i = 0; i < args.length; i++) {
            String k = args[i].replaceFirst("^--", "");
            if (FLAGS.contains(k)) {
                opt.put(k, "true");
            } else if (i + 1 < args.length) {
                opt.put(k, args[++i]);
            }
        }
        boolean precreate = opt.containsKey("precreate");
        int keys = Integer.parseInt(opt.get("keys"));
        int models = Integer.parseInt(opt.get("models"));
        int idleSeconds = Integer.parseInt(opt.get("idle"));
        List<String> jvm = opt.get("jvm").isBlank() ? List.of() : List.of(opt.get("jvm").trim().split("\\s+"));
        Operator.cpus = opt.getOrDefault("operator-cpus", ""); // e.g. "0": the operator on a core of its own
        // --usage SECONDS: after every key is Ready and live, a fake gateway pod reports usage on every key (UsageRun)
        int usageSeconds = Integer.parseInt(opt.getOrDefault("usage", "0"));
        UsageRun usage = null;
        if (usageSeconds > 0) {
            usage = new UsageRun(keys, Integer.parseInt(opt.getOrDefault("usage-keys", Integer.toString(keys))));
            jvm = new ArrayList<>(jvm);
            jvm.add("-Dtollgate.operator.usage-port=" + usage.port);
            if (opt.containsKey("scrape-millis")) {
                jvm.add("-Dtollgate.operator.usage-scrape-interval-millis=" + opt.get("scrape-millis"));
            }
        }

        java.util.logging.Logger.getLogger("io.fabric8.mockwebserver").setLevel(java.util.logging.Level.WARNING);
        Dispatcher dispatcher = new Dispatcher();
        KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                dispatcher, false);
        server.init(InetAddress.getLoopbackAddress(), 0);
        Thread drain = new Thread(() -> { // the mock server records every request: keep its queue empty
            try {
                while (true) {
                    server.takeRequest();
                }
            } catch (InterruptedException e) {
                // done
            }
        }, "drain");
        drain.setDaemon(true);
        drain.start();
        // A generous request timeout: pinned to one core with the operator, the quadratic mock can take > 10 s.
        KubernetesClient client = new io.fabric8.kubernetes.client.KubernetesClientBuilder().withConfig(
                new io.fabric8.kubernetes.client.ConfigBuilder(server.createClient().getConfiguration())
                        .withRequestTimeout(120_000).build()).build();
        for (File f : new File("crds").listFiles((d, n) -> n.endsWith("-v1.yml"))) {
            try (var in = new FileInputStream(f)) {
                client.load(in).items().forEach(crd -> client.resource(crd).create());
            }
        }
        for (String ns : List.of(NS, "tollgate-system")) {
            client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
        }

        Path log = Files.createTempFile("tollgate-operator-bench", ".log");
        Operator op;
        Instant t0;
        long cpu0;
        double startupSeconds;
        double createdSeconds;
        if (precreate) {
            // Everything exists before the operator starts: Ready and live are timed from the operator's process
            // start, so the time the mock takes to store 20,000 objects is not counted against the operator.
            Instant c0 = Instant.now();
            createAll(client, models, keys);
            createdSeconds = secondsSince(c0);
            System.out.printf("created %d models and %d keys in %.1f s (before the operator)%n", models, keys, createdSeconds);
            op = Operator.start(opt.get("jar"), jvm, server.url("/"), log);
            t0 = Instant.now();
            cpu0 = 0;
            System.out.printf("operator pid %d, log %s%n", op.pid(), log);
            op.awaitReady(Duration.ofSeconds(300));
            startupSeconds = op.sinceStart();
        } else {
            op = Operator.start(opt.get("jar"), jvm, server.url("/"), log);
            System.out.printf("operator pid %d, log %s%n", op.pid(), log);
            op.awaitReady(Duration.ofSeconds(60));
            startupSeconds = op.sinceStart();
            // --- create everything, timing from the first write ----------------------------------------------
            t0 = Instant.now();
            cpu0 = op.cpuTicks();
            createAll(client, models, keys);
            createdSeconds = secondsSince(t0);
            System.out.printf("created %d models and %d keys in %.1f s%n", models, keys, createdSeconds);
        }

        // --- wait until every key is Ready and in the rendered config ---------------------------------------
        Set<String> expected = new HashSet<>();
        for (int i = 0; i < keys; i++) {
            expected.add(NS + "/" + keyName(i));
        }
        // Ready counted from a watch (an informer), not by listing 10,000 keys every second: the mock server
        // answers every request with a scan of everything it stores, and polling would slow the operator down.
        var vkInformer = client.resources(VirtualKey.class).inNamespace(NS).inform();
        List<Sample> samples = new ArrayList<>();
        double readySeconds = -1;
        double liveSeconds = -1;
        long timeout = Long.parseLong(opt.get("timeout"));
        while (secondsSince(t0) < timeout && (readySeconds < 0 || liveSeconds < 0)) {
            int ready = readyKeys(vkInformer.getStore().list());
            int live = liveKeys(client, expected);
            double at = secondsSince(t0);
            samples.add(new Sample(at, ready, live));
            System.out.printf("%6.1f s  ready %5d  live %5d  heap/rss %s%n", at, ready, live, op.rssMb());
            if (ready == keys && readySeconds < 0) {
                readySeconds = at;
            }
            if (live == keys && liveSeconds < 0) {
                liveSeconds = at;
            }
            Thread.sleep(1000);
        }
        double busyCpu = op.cpuSecondsSince(cpu0);
        vkInformer.close();
        long writesAtLive = dispatcher.total(false);

        // --- settle, then memory and the idle minute ----------------------------------------------------------
        awaitQuiet(dispatcher, Duration.ofSeconds(5), Duration.ofSeconds(120));
        String heapAfterGc = op.heapAfterGc();
        String rss = op.rssMb();
        long idleWrites0 = dispatcher.total(false);
        long idleLeaseWrites0 = dispatcher.writes.getOrDefault("leases", new AtomicLong()).get();
        long idleCpu0 = op.cpuTicks();
        Thread.sleep(idleSeconds * 1000L);
        double idleCpu = op.cpuSecondsSince(idleCpu0);
        long idleWrites = dispatcher.total(false) - idleWrites0;
        long idleLeaseWrites = dispatcher.writes.getOrDefault("leases", new AtomicLong()).get() - idleLeaseWrites0;
        Map<String, Long> writesByKind = dispatcher.snapshot();

        // --- usage on every key (--usage): instead of the restart ------------------------------------------------
        StringBuilder usageMd = new StringBuilder();
        if (usage != null) {
            usage.run(client, dispatcher, op, usageSeconds, Integer.parseInt(opt.getOrDefault("flips", "20")), usageMd);
        }
        double restartReady = -1;
        double settled = -1;
        double restartCpu = -1;
        long restartWrites = -1;
        List<String> restartChanges = new ArrayList<>();
        String restartRss = "-";
        String restartHeap = "-";
        if (usage != null) {
            op.stop();
        } else {
            // --- no-op resync: restart the operator on the finished state; it should find nothing to write --------
            op.stop();
            long restartWrites0 = dispatcher.total(false);
            dispatcher.recording = true; // what each write of the restart changed (it should write nothing)
            Operator op2 = Operator.start(opt.get("jar"), jvm, server.url("/"), log);
            op2.awaitReady(Duration.ofSeconds(120));
            restartReady = op2.sinceStart();
            settled = op2.awaitCpuQuiet(Duration.ofSeconds(180));
            restartCpu = op2.cpuSecondsSince(0);
            restartWrites = dispatcher.total(false) - restartWrites0;
            dispatcher.recording = false;
            synchronized (dispatcher.changes) {
                restartChanges.addAll(dispatcher.changes);
            }
            restartRss = op2.rssMb();
            restartHeap = op2.heapAfterGc();
            op2.stop();
        }

        String machine = Runtime.getRuntime().availableProcessors() + " cores (nproc), "
                + cpuModel() + ", " + Files.readAllLines(Path.of("/proc/meminfo")).get(0).replaceAll("\\s+", " ");
        StringBuilder md = new StringBuilder();
        md.append("# Operator scale").append(opt.get("label").isBlank() ? "" : " — " + opt.get("label")).append("\n\n");
        md.append("Command: `").append(opt.get("command")).append("`  \n");
        md.append("Machine: ").append(machine).append("  \n");
        md.append("Date: ").append(Instant.now()).append("  \n");
        md.append("Operator: `java ").append(String.join(" ", jvm)).append(" -Dquarkus.profile=bench -jar ").append(opt.get("jar")).append(" operator`"
                + " (own process; profile bench = prod without leader election) against a Fabric8 KubernetesMockServer in CRUD mode (in the harness process) that"
                + " refuses ConfigMaps/Secrets with more than 1 MiB of data (422), as an API server does.\n\n");
        md.append("| measure | value |\n|---|---|\n");
        row(md, "objects created", "1 GatewayDeployment, " + models + " LlmModels, " + keys + " VirtualKeys (4 client threads)");
        String from = precreate ? "from operator start" : "from first create";
        row(md, precreate ? "operator start to ready (informers synced, objects already there)"
                : "operator start to ready (empty cluster)", String.format("%.1f s", startupSeconds));
        row(md, precreate ? "creating them took (before the operator started)" : "creating them took",
                String.format("%.1f s", createdSeconds));
        row(md, "**all keys Ready** (" + from + ")", readySeconds < 0 ? "**not reached in " + timeout + " s**"
                : String.format("**%.1f s**", readySeconds));
        row(md, "**all keys live in the rendered config + secrets** (" + from + ")", liveSeconds < 0 ? "**not reached in " + timeout + " s**"
                : String.format("**%.1f s**", liveSeconds));
        row(md, "operator CPU until then", String.format("%.1f s", busyCpu));
        row(md, "API writes until then (no leases)", Long.toString(writesAtLive));
        row(md, "writes refused as over 1 MiB", Long.toString(dispatcher.refusedTooLarge.get()));
        row(md, "largest ConfigMap/Secret written", String.format("%,d bytes of data (%s)", dispatcher.largestData,
                dispatcher.largestName));
        row(md, "**operator RSS** after (VmRSS / VmHWM)", "**" + rss + "**");
        row(md, "operator heap after a full GC", heapAfterGc);
        row(md, "idle " + idleSeconds + " s: operator CPU", String.format("%.2f s (%.1f %% of a core)", idleCpu,
                100 * idleCpu / idleSeconds));
        row(md, "idle " + idleSeconds + " s: API writes", idleWrites + " (+ " + idleLeaseWrites + " leader-lease renewals)");
        if (usage == null) {
            row(md, "restart on the finished state: start to ready", String.format("%.1f s", restartReady));
            row(md, "restart: until CPU quiet / CPU used", String.format("%.1f s / %.1f s", settled, restartCpu));
            row(md, "restart: API writes (full no-op resync)", Long.toString(restartWrites));
            row(md, "restart: RSS / heap after GC", restartRss + " / " + restartHeap);
        } else {
            row(md, "restart on the finished state", "not run (--usage: the usage window takes its place)");
        }
        row(md, "writes by resource (whole run" + (usage == null ? "" : ", before the usage window") + ")", writesByKind.toString());
        row(md, "mock server: lookups by name (index checked against a full scan: checks / mismatches)",
                dispatcher.lookups.get() + " (" + dispatcher.indexChecks.get() + " / " + dispatcher.indexMismatches.get() + ")");
        if (!restartChanges.isEmpty()) {
            md.append("\nWrites of the no-op restart (method, path, status; changed JSON fields, values left out for Secrets):\n\n```\n");
            restartChanges.stream().limit(50).forEach(c -> md.append(c.length() > 1500 ? c.substring(0, 1500) + "…" : c).append('\n'));
            if (restartChanges.size() > 50) {
                md.append("… ").append(restartChanges.size() - 50).append(" more\n");
            }
            md.append("```\n");
        }
        md.append("\nProgress (seconds " + from + ": keys Ready, keys live):\n\n```\n");
        int step = Math.max(1, samples.size() / 20);
        for (int i = 0; i < samples.size(); i++) {
            if (i % step == 0 || i == samples.size() - 1) {
                Sample s = samples.get(i);
                md.append(String.format("%6.1f s  ready %6d  live %6d%n", s.seconds(), s.ready(), s.live()));
            }
        }
        md.append("```\n");
        md.append(usageMd);
        System.out.println();
        System.out.println(md);
        Path out = Path.of(opt.get("out"));
        if (out.getParent() != null) {
            Files.createDirectories(out.getParent());
        }
        Files.writeString(out, md.toString());
        client.close();
        server.destroy();
        System.exit(readySeconds < 0 || liveSeconds < 0 ? 1 : 0);
    }

    /** 1 GatewayDeployment, the models, the keys: 4 client threads. */
    static void createAll(KubernetesClient client, int models, int keys) throws Exception {
        client.resource(gateway()).create();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<java.util.concurrent.Future<?>> writes = new ArrayList<>();
        for (int i = 0; i < models; i++) {
            int n = i;
            writes.add(pool.submit(() -> client.resource(model(n)).create()));
        }
        for (int i = 0; i < keys; i++) {
            int n = i;
            writes.add(pool.submit(() -> client.resource(key(n)).create()));
        }
        for (var w : writes) {
            w.get();
        }
        pool.shutdown();
    }

    static void row(StringBuilder md, String k, String v) {
        md.append("| ").append(k).append(" | ").append(v).append(" |\n");
    }

    static double secondsSince(Instant t) {
        return Duration.between(t, Instant.now()).toMillis() / 1000.0;
    }

    static String cpuModel() throws Exception {
        return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                .findFirst().map(l -> l.replaceFirst("model name\\s*:\\s*", "")).orElse("unknown CPU");
    }

    static void awaitQuiet(Dispatcher d, Duration quiet, Duration max) throws InterruptedException {
        long end = System.nanoTime() + max.toNanos();
        long last = d.total(false);
        long since = System.nanoTime();
        while (System.nanoTime() < end) {
            Thread.sleep(250);
            long now = d.total(false);
            if (now != last) {
                last = now;
                since = System.nanoTime();
            } else if (System.nanoTime() - since > quiet.toNanos()) {
                return;
            }
        }
    }

    static GatewayDeployment gateway() {
        GatewayDeployment gw = new GatewayDeployment();
        gw.setMetadata(new ObjectMetaBuilder().withNamespace(NS).withName(GW).build());
        gw.setSpec(new GatewayDeploymentSpec());
        return gw;
    }

    static LlmModel model(int i) {
        LlmModel m = new LlmModel();
        m.setMetadata(new ObjectMetaBuilder().withNamespace(NS).withName(String.format("model-%03d", i)).build());
        LlmModelSpec s = new LlmModelSpec();
        s.setModelName(String.format("mock-%03d", i));
        s.setProvider("mock");
        s.setModel(String.format("mock-%03d", i));
        m.setSpec(s);
        return m;
    }

    static String keyName(int i) {
        return String.format("team-%03d-key-%05d", i % 100, i);
    }

    static VirtualKey key(int i) {
        VirtualKey vk = new VirtualKey();
        vk.setMetadata(new ObjectMetaBuilder().withNamespace(NS).withName(keyName(i))
                .addToLabels("team", String.format("team-%03d", i % 100)).build());
        VirtualKeySpec s = new VirtualKeySpec();
        s.setModels(List.of(String.format("mock-%03d", i % 100), String.format("mock-%03d", (i + 1) % 100)));
        vk.setSpec(s);
        return vk;
    }

    static int readyKeys(List<VirtualKey> keys) {
        int n = 0;
        for (VirtualKey vk : keys) {
            if (vk.getStatus() != null && vk.getStatus().getConditions() != null && vk.getStatus().getConditions().stream()
                    .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()))) {
                n++;
            }
        }
        return n;
    }

    /**
     * Keys the gateway would serve: present both in config.json's keys and in secrets.json's hashes, reassembled
     * from the key shards when the config names any. Written independently of the gateway's own code.
     */
    static int liveKeys(KubernetesClient client, Set<String> expected) {
        try {
            ConfigMap cm = client.configMaps().inNamespace(NS).withName(GW + "-config").get();
            Secret s = client.secrets().inNamespace(NS).withName(GW + "-secrets").get();
            if (cm == null || s == null) {
                return 0;
            }
            JsonNode config = JSON.readTree(cm.getData().get("config.json"));
            JsonNode secrets = JSON.readTree(decode(s.getData().get("secrets.json")));
            Set<String> inConfig = new HashSet<>();
            Set<String> inSecrets = new HashSet<>();
            config.path("keys").forEach(k -> inConfig.add(k.path("id").asText()));
            secrets.path("keys").forEach(id -> inSecrets.add(id.asText()));
            JsonNode shards = config.path("keyShards");
            for (int i = 0; i < shards.path("count").asInt(0); i++) {
                String name = GW + "-keys-" + i; // docs/gateway-config.md, "Key shards"
                ConfigMap scm = client.configMaps().inNamespace(NS).withName(name).get();
                Secret ss = client.secrets().inNamespace(NS).withName(name).get();
                if (scm == null || ss == null) {
                    return -1;
                }
                JSON.readTree(scm.getData().get("keys.json")).path("keys").forEach(k -> inConfig.add(k.path("id").asText()));
                JSON.readTree(decode(ss.getData().get("keys.json"))).path("keys").forEach(id -> inSecrets.add(id.asText()));
            }
            int n = 0;
            for (String id : expected) {
                if (inConfig.contains(id) && inSecrets.contains(id)) {
                    n++;
                }
            }
            return n;
        } catch (Exception e) {
            return -1;
        }
    }

    static String decode(String b64) {
        return new String(Base64.getDecoder().decode(b64), StandardCharsets.UTF_8);
    }

    /** The operator process. */
    record Operator(Process process, long startNanos, int httpPort) {
        /** CPUs the operator process is pinned to (taskset -c), or blank for the harness's own affinity. */
        static String cpus = "";

        static Operator start(String jar, List<String> jvm, String apiUrl, Path log) throws Exception {
            int http = freePort();
            int mgmt = freePort();
            List<String> cmd = new ArrayList<>();
            cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            cmd.addAll(jvm);
            // Profile "bench": the prod configuration (there are no %prod properties) without leader election,
            // which QOSDK turns on for the prod profile only. The mock server answers slowly under 20,000+ objects
            // (each request scans its whole store) and a lease renewal that misses its deadline makes a leader
            // exit, as it should; with one replica leader election changes nothing else.
            cmd.addAll(List.of("-Dquarkus.profile=bench", "-Dquarkus.kubernetes-client.api-server-url=" + apiUrl,
                    "-Dquarkus.kubernetes-client.namespace=tollgate-system",
                    "-Dquarkus.http.port=" + http, "-Dquarkus.management.port=" + mgmt, "-jar", jar, "operator"));
            // Started from a copy named for this benchmark: this machine also runs other benchmarks that stop
            // "quarkus-run.jar" processes of their own, and the launcher jar only points at lib/ next to it.
            Path own = Path.of(jar).resolveSibling("tollgate-operator-bench.jar");
            Files.copy(Path.of(jar), own, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            cmd.set(cmd.indexOf(jar), own.toString());
            if (!cpus.isBlank()) {
                cmd.addAll(0, List.of("taskset", "-c", cpus));
            }
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            pb.environment().remove("KUBECONFIG");
            Process p = pb.start();
            Runtime.getRuntime().addShutdownHook(new Thread(p::destroyForcibly));
            return new Operator(p, System.nanoTime(), http);
        }

        long pid() {
            return process.pid();
        }

        double sinceStart() {
            return (System.nanoTime() - startNanos) / 1e9;
        }

        void awaitReady(Duration max) throws Exception {
            HttpClient http = HttpClient.newHttpClient();
            long end = System.nanoTime() + max.toNanos();
            while (System.nanoTime() < end) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("the operator exited with " + process.exitValue() + "; see its log");
                }
                try {
                    var r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/health/readiness"))
                            .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() == 200) {
                        return;
                    }
                } catch (java.io.IOException e) {
                    // not listening yet
                }
                Thread.sleep(100);
            }
            throw new IllegalStateException("the operator was not ready within " + max);
        }

        long cpuTicks() throws Exception {
            String[] f = Files.readString(Path.of("/proc/" + pid() + "/stat")).replaceFirst("^.*\\) ", "").split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime + stime (fields 14, 15)
        }

        double cpuSecondsSince(long ticks0) throws Exception {
            return (cpuTicks() - ticks0) / 100.0; // USER_HZ
        }

        /** Seconds since start until the process used under 5 % of a core for 3 s in a row. */
        double awaitCpuQuiet(Duration max) throws Exception {
            long end = System.nanoTime() + max.toNanos();
            int quiet = 0;
            long last = cpuTicks();
            while (System.nanoTime() < end) {
                Thread.sleep(1000);
                long now = cpuTicks();
                quiet = now - last <= 5 ? quiet + 1 : 0;
                last = now;
                if (quiet >= 3) {
                    return sinceStart() - 3;
                }
            }
            return -1;
        }

        String rssMb() {
            try {
                Map<String, String> st = new LinkedHashMap<>();
                for (String l : Files.readAllLines(Path.of("/proc/" + pid() + "/status"))) {
                    String[] kv = l.split(":\\s+", 2);
                    if (kv.length == 2) {
                        st.put(kv[0], kv[1]);
                    }
                }
                return mb(st.get("VmRSS")) + " / " + mb(st.get("VmHWM"));
            } catch (Exception e) {
                return "?";
            }
        }

        static String mb(String kb) {
            return (Long.parseLong(kb.replace(" kB", "").trim()) / 1024) + " MB";
        }

        String heapAfterGc() throws Exception {
            String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
            run(jcmd, Long.toString(pid()), "GC.run");
            String info = run(jcmd, Long.toString(pid()), "GC.heap_info");
            // G1: "garbage-first heap total reserved ..K, committed ..K, used ..K"; Serial/Parallel: one
            // "<generation> total ..K, used ..K" line per generation (a JVM sized for 512 MB picks Serial).
            long committed = 0;
            long used = 0;
            var g1 = java.util.regex.Pattern.compile("committed (\\d+)K, used (\\d+)K").matcher(info);
            // Java 25 Serial: "DefNew total ..K, used ..K" / "Tenured total ..K, used ..K"
            var gen = java.util.regex.Pattern.compile("(?:generation|DefNew|Tenured)\\s+total (\\d+)K, used (\\d+)K").matcher(info);
            if (g1.find()) {
                committed = Long.parseLong(g1.group(1));
                used = Long.parseLong(g1.group(2));
            } else {
                while (gen.find()) {
                    committed += Long.parseLong(gen.group(1));
                    used += Long.parseLong(gen.group(2));
                }
            }
            String gc = info.contains("garbage-first") ? "G1" : info.contains("def new") || info.contains("DefNew") ? "Serial" : "Parallel";
            return committed == 0 ? "?" : (used / 1024) + " MB used of " + (committed / 1024) + " MB committed (" + gc + ")";
        }

        static String run(String... cmd) throws Exception {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(30, TimeUnit.SECONDS);
            return out;
        }

        void stop() throws Exception {
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor();
            }
        }

        static int freePort() throws Exception {
            try (ServerSocket s = new ServerSocket(0)) {
                return s.getLocalPort();
            }
        }
    }
    /**
     * The "usage on every key" run (--usage SECONDS): a fake gateway pod, owned like a real one (ReplicaSet controlled
     * by the gateway's Deployment, pod controlled by the ReplicaSet), whose usage report the harness serves on
     * 127.0.0.1; every key's counters move at every request the operator makes. Measures status writes at the mock
     * server, the age of the figures in status against the counter history served, condition-flip latency and the
     * operator's CPU and RSS.
     */
    static class UsageRun {
        final int keys;
        /** Keys whose counters move: every {@code stride}-th key; the others have no traffic and are not reported. */
        final int stride;
        final int port;
        final com.sun.net.httpserver.HttpServer http;
        /** servedAt.get(n - 1): when report number n (every moving key's requests = n) was served, epoch nanos. */
        final List<Long> servedAt = java.util.Collections.synchronizedList(new ArrayList<>());
        final AtomicLong served = new AtomicLong();
        final AtomicLong servedBytes = new AtomicLong();
        /** Keys whose rateLimited is > 0, and when that was switched on (nanos). */
        final Map<Integer, Long> flippedAt = new java.util.concurrent.ConcurrentHashMap<>();
        /** Per flipped key: when a report first carried the flip (nanos). */
        final Map<Integer, Long> firstServedFlip = new java.util.concurrent.ConcurrentHashMap<>();
        /** Per flipped key: when the harness saw RateLimited=True in the store (nanos). */
        final Map<Integer, Long> seenTrue = new java.util.concurrent.ConcurrentHashMap<>();
        final String incarnation = java.util.UUID.randomUUID().toString();
        final String startedAt = Instant.now().toString();

        UsageRun(int keys, int moving) throws Exception {
            this.keys = keys;
            this.stride = Math.max(1, keys / Math.max(1, Math.min(keys, moving)));
            http = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            http.createContext("/tollgate/usage", ex -> {
                byte[] body = report().getBytes(StandardCharsets.UTF_8);
                ex.getResponseHeaders().add("content-type", "application/json");
                ex.sendResponseHeaders(200, body.length);
                try (var out = ex.getResponseBody()) {
                    out.write(body);
                }
            });
            http.setExecutor(Executors.newSingleThreadExecutor());
            http.start();
            port = http.getAddress().getPort();
        }

        boolean moving(int i) {
            return i % stride == 0;
        }

        int movingCount() {
            return (keys + stride - 1) / stride;
        }

        /** The next report: the real format (UsageReport), every moving key's counters one request further. */
        String report() {
            long n;
            long now;
            synchronized (servedAt) {
                n = served.incrementAndGet();
                now = System.nanoTime();
                servedAt.add(now);
            }
            String last = Instant.now().toString();
            Map<String, dev.tollgate.config.UsageReport.Counters> figures = new LinkedHashMap<>();
            for (int i = 0; i < keys; i += stride) { // only the moving keys: a key without traffic is not in a gateway's report
                long r = n;
                boolean limited = flippedAt.containsKey(i);
                if (limited) {
                    firstServedFlip.putIfAbsent(i, now);
                }
                figures.put(NS + "/" + keyName(i), new dev.tollgate.config.UsageReport.Counters(r, 0, 10 * r, 20 * r,
                        100 * r, null, 6L, 180L, limited ? 1L : 0L, null, last));
            }
            String json = new dev.tollgate.config.UsageReport(dev.tollgate.config.UsageReport.SCHEMA, incarnation,
                    startedAt, "bench", figures, Map.of(), Map.of(), null).toJson();
            servedBytes.addAndGet(json.length());
            return json;
        }

        /** Seconds since the figure showing {@code requests} was first served (its age), or -1 if it never was. */
        double age(long requests, long nowNanos) {
            if (requests < 1 || requests > servedAt.size()) {
                return -1;
            }
            return (nowNanos - servedAt.get((int) requests - 1)) / 1e9;
        }

        /** The fake pod's ownership chain, as the operator makes it for a real gateway pod. */
        void createPod(KubernetesClient client) throws Exception {
            io.fabric8.kubernetes.api.model.apps.Deployment d = null;
            for (int i = 0; i < 600 && d == null; i++) {
                d = client.apps().deployments().inNamespace(NS).withName(GW).get();
                if (d == null) {
                    Thread.sleep(100);
                }
            }
            if (d == null) {
                throw new IllegalStateException("the operator made no Deployment " + NS + "/" + GW);
            }
            var labels = d.getSpec().getTemplate().getMetadata().getLabels();
            var rs = client.resource(new io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder().withNewMetadata()
                    .withName(GW + "-5d9f8").withNamespace(NS).withLabels(labels)
                    .addNewOwnerReference().withApiVersion("apps/v1").withKind("Deployment").withName(GW)
                    .withUid(d.getMetadata().getUid()).withController(true).endOwnerReference().endMetadata()
                    .withNewSpec().withReplicas(1).withNewSelector().withMatchLabels(d.getSpec().getSelector().getMatchLabels())
                    .endSelector().withTemplate(d.getSpec().getTemplate()).endSpec().build()).create();
            client.resource(new io.fabric8.kubernetes.api.model.PodBuilder().withNewMetadata().withName(GW + "-5d9f8-bench")
                    .withNamespace(NS).withLabels(labels).addNewOwnerReference().withApiVersion("apps/v1").withKind("ReplicaSet")
                    .withName(rs.getMetadata().getName()).withUid(rs.getMetadata().getUid()).withController(true)
                    .endOwnerReference().endMetadata()
                    .withNewSpec().addNewContainer().withName("gateway").withImage("x").endContainer().endSpec().build()).create();
            client.pods().inNamespace(NS).withName(GW + "-5d9f8-bench").editStatus(p -> {
                p.setStatus(new io.fabric8.kubernetes.api.model.PodStatusBuilder().withPodIP("127.0.0.1").withPhase("Running").build());
                return p;
            });
        }

        static boolean rateLimited(VirtualKey vk) {
            return vk.getStatus() != null && vk.getStatus().getConditions() != null && vk.getStatus().getConditions().stream()
                    .anyMatch(c -> "RateLimited".equals(c.getType()) && "True".equals(c.getStatus()));
        }

        static int index(VirtualKey vk) {
            String n = vk.getMetadata().getName();
            return Integer.parseInt(n.substring(n.lastIndexOf('-') + 1));
        }

        record Ages(int moving, int withFigures, double p50, double p99, double max) {
            @Override
            public String toString() {
                return String.format("%d of %d moving keys have figures; age p50 %.1f s, p99 %.1f s, max %.1f s",
                        withFigures, moving, p50, p99, max);
            }
        }

        /** The age of every moving key's figures in the store now. */
        Ages ages(List<VirtualKey> store) {
            long now = System.nanoTime();
            List<Double> ages = new ArrayList<>();
            int with = 0;
            for (VirtualKey vk : store) {
                int i = index(vk);
                if (!moving(i)) {
                    continue;
                }
                Long r = vk.getStatus() == null || vk.getStatus().getUsage() == null ? null : vk.getStatus().getUsage().getRequests();
                if (r == null || r < 1) {
                    continue; // no figures from the pod yet
                }
                with++;
                double a = age(r, now);
                if (a >= 0) {
                    ages.add(a);
                }
            }
            java.util.Collections.sort(ages);
            return new Ages(movingCount(), with, pct(ages, 50), pct(ages, 99), ages.isEmpty() ? -1 : ages.getLast());
        }

        static double pct(List<Double> sorted, double p) {
            if (sorted.isEmpty()) {
                return -1;
            }
            int i = (int) Math.ceil(p / 100 * sorted.size()) - 1;
            return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
        }
    
        static String loadavg() {
            try {
                String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
                return f[0] + " " + f[1] + " " + f[2];
            } catch (Exception e) {
                return "?";
            }
        }

        static long rssKb(long pid) {
            try {
                for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                    if (l.startsWith("VmRSS:")) {
                        return Long.parseLong(l.replaceAll("[^0-9]", ""));
                    }
                }
            } catch (Exception e) {
                // gone
            }
            return -1;
        }

        /**
         * The usage window: the pod appears, reports are served for {@code seconds}, {@code flips} keys spread over
         * the window start being rate limited. Appends its table rows to {@code md}.
         */
        void run(KubernetesClient client, Dispatcher d, Operator op, int seconds, int flips, StringBuilder md) throws Exception {
            long moving = movingCount();
            List<Long> rssSamples = new ArrayList<>();
            var vkInformer = client.resources(VirtualKey.class).inNamespace(NS).inform(new io.fabric8.kubernetes.client.informers.ResourceEventHandler<>() {
                @Override
                public void onAdd(VirtualKey vk) {
                }

                @Override
                public void onUpdate(VirtualKey before, VirtualKey vk) {
                    int i = index(vk);
                    if (flippedAt.containsKey(i) && !seenTrue.containsKey(i) && rateLimited(vk)) {
                        seenTrue.putIfAbsent(i, System.nanoTime());
                    }
                }

                @Override
                public void onDelete(VirtualKey vk, boolean unknown) {
                }
            });
            // the window starts when the pod is there: setup (keys Ready and live) is not counted
            long w0 = d.statusWrites.get();
            long wBad0 = d.statusWritesFailed.get();
            long b0 = d.statusBytes.get();
            long all0 = d.total(false);
            Map<String, Long> byKind0 = d.snapshot();
            long cpu0 = op.cpuTicks();
            String load0 = loadavg();
            long t0 = System.nanoTime();
            createPod(client);
            System.out.printf("usage: fake gateway pod created; report on 127.0.0.1:%d, %d of %d keys moving%n", port, moving, keys);
            // flips: spread over the window's middle 80 %, on moving keys spread over the key range
            List<Integer> flipKeys = new ArrayList<>();
            for (int j = 0; j < flips; j++) {
                flipKeys.add((int) ((long) j * moving / flips) * stride);
            }
            List<long[]> series = new ArrayList<>(); // {nanos, status writes, bytes}
            List<String> progress = new ArrayList<>();
            int nextFlip = 0;
            long end = t0 + seconds * 1_000_000_000L;
            long nextAge = t0 + 10_000_000_000L;
            while (System.nanoTime() < end) {
                Thread.sleep(1000);
                long now = System.nanoTime();
                series.add(new long[] {now, d.statusWrites.get() - w0, d.statusBytes.get() - b0});
                while (nextFlip < flips && now - t0 >= (long) ((0.1 + 0.8 * nextFlip / Math.max(1, flips - 1)) * seconds * 1e9)) {
                    flippedAt.put(flipKeys.get(nextFlip), System.nanoTime());
                    nextFlip++;
                }
                if (now >= nextAge) {
                    nextAge += 10_000_000_000L;
                    long rss = rssKb(op.pid());
                    rssSamples.add(rss);
                    long[] last = series.getLast();
                    String line = String.format("%5.0f s  status writes %6d (%5.1f/s so far)  %s  flips %d/%d  rss %d MB  reports %d",
                            (now - t0) / 1e9, last[1], last[1] / ((now - t0) / 1e9), ages(vkInformer.getStore().list()),
                            seenTrue.size(), flippedAt.size(), rss / 1024, served.get());
                    System.out.println("usage: " + line);
                    progress.add(line);
                }
            }
            double window = (System.nanoTime() - t0) / 1e9;
            double cpu = op.cpuSecondsSince(cpu0);
            long writes = d.statusWrites.get() - w0;
            long bytes = d.statusBytes.get() - b0;
            long failed = d.statusWritesFailed.get() - wBad0;
            long allWrites = d.total(false) - all0;
            Map<String, Long> byKind = new java.util.TreeMap<>();
            d.snapshot().forEach((k, v) -> {
                long delta = v - byKind0.getOrDefault(k, 0L);
                if (delta != 0) {
                    byKind.put(k, delta);
                }
            });
            Ages ages = ages(vkInformer.getStore().list());
            String rss = op.rssMb();
            // flips still on their way get up to 30 s more (not counted in the window's writes)
            long flipWait = System.nanoTime() + 30_000_000_000L;
            while (seenTrue.size() < flippedAt.size() && System.nanoTime() < flipWait) {
                Thread.sleep(200);
            }
            vkInformer.close();
            List<Double> fromSwitch = new ArrayList<>();
            List<Double> fromReport = new ArrayList<>();
            flippedAt.forEach((i, at) -> {
                Long seen = seenTrue.get(i);
                if (seen != null) {
                    fromSwitch.add((seen - at) / 1e9);
                    Long rep = firstServedFlip.get(i);
                    if (rep != null) {
                        fromReport.add((seen - rep) / 1e9);
                    }
                }
            });
            java.util.Collections.sort(fromSwitch);
            java.util.Collections.sort(fromReport);
            // steady state: after the first 60 s (the pod's first report names every key: new figures for all)
            double warm = Math.min(60, window / 2);
            long[] atWarm = series.stream().filter(s -> (s[0] - t0) / 1e9 >= warm).findFirst().orElse(series.getFirst());
            long[] last = series.getLast();
            double steadySeconds = (last[0] - atWarm[0]) / 1e9;
            double steadyWrites = (last[1] - atWarm[1]) / steadySeconds;
            double steadyBytes = (last[2] - atWarm[2]) / steadySeconds;
            double max10 = 0;
            for (int i = 0; i < series.size(); i++) {
                for (int j = i; j < series.size(); j++) {
                    if ((series.get(j)[0] - series.get(i)[0]) / 1e9 >= 10) {
                        if ((series.get(i)[0] - t0) / 1e9 >= warm) {
                            max10 = Math.max(max10, (series.get(j)[1] - series.get(i)[1]) / ((series.get(j)[0] - series.get(i)[0]) / 1e9));
                        }
                        break;
                    }
                }
            }
            long maxRss = rssSamples.stream().mapToLong(Long::longValue).max().orElse(-1);
            double formula = moving / 20.0 + 5; // at the default budget and scrape interval
            md.append("\n## Usage on every key (--usage ").append(seconds).append(")\n\n");
            md.append("Load average at the window's start / end: ").append(load0).append(" / ").append(loadavg()).append("\n\n");
            md.append("| measure | value |\n|---|---|\n");
            row(md, "keys with moving counters (requests +1 at every report the operator reads; the others have no traffic, absent from the report)", moving + " of " + keys);
            row(md, "window (from the fake pod's creation; setup not counted)", String.format("%.0f s; %d reports served, %.1f MB each",
                    window, served.get(), served.get() == 0 ? 0 : servedBytes.get() / 1e6 / served.get()));
            row(md, "**status writes/s** (PATCH/PUT …/status of keys, budgets, models, gateways): whole window",
                    String.format("**%.1f/s** (%d writes, %d not 2xx)", writes / window, writes, failed));
            row(md, String.format("status writes/s after the first %.0f s (steady state) / highest 10 s", warm),
                    String.format("**%.1f/s** / %.1f/s", steadyWrites, max10));
            row(md, "**status bytes/s** (request bodies): whole window / steady state",
                    String.format("**%.1f KB/s** / %.1f KB/s (%.1f KB per write)", bytes / window / 1e3, steadyBytes / 1e3,
                            writes == 0 ? 0 : bytes / 1e3 / writes));
            row(md, "all API writes in the window (no leases), by resource", allWrites + " " + byKind);
            row(md, "**figure age** at the end (now − when the counter value in status was first served), moving keys",
                    String.format("**p50 %.1f s, p99 %.1f s, max %.1f s**; %d of %d have figures", ages.p50(), ages.p99(),
                            ages.max(), ages.withFigures(), ages.moving()));
            row(md, "formula: moving keys / 20 writes/s + 5 s scrape", String.format("%.0f s", formula));
            row(md, "**condition flip latency** (rateLimited 0 → 1 until RateLimited=True in the store), from the switch",
                    String.format("**p50 %.1f s, p99 %.1f s, max %.1f s** (%d of %d seen)", UsageRun.pct(fromSwitch, 50),
                            UsageRun.pct(fromSwitch, 99), fromSwitch.isEmpty() ? -1 : fromSwitch.getLast(), fromSwitch.size(), flippedAt.size()));
            row(md, "… from the first report carrying it (without the wait for the next scrape)",
                    String.format("p50 %.1f s, p99 %.1f s, max %.1f s", UsageRun.pct(fromReport, 50), UsageRun.pct(fromReport, 99),
                            fromReport.isEmpty() ? -1 : fromReport.getLast()));
            row(md, "**operator CPU** in the window", String.format("**%.1f s (%.0f %% of a core)**", cpu, 100 * cpu / window));
            row(md, "**operator RSS** in the window: highest sample / at the end (VmRSS / VmHWM)", String.format("**%d MB** / %s", maxRss / 1024, rss));
            md.append("\nProgress of the usage window:\n\n```\n");
            progress.forEach(p -> md.append(p).append('\n'));
            md.append("```\n");
            http.stop(0);
        }
    }
}
