package dev.tollgate.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The container image, built here as far as this machine allows: no container engine and no registry, so
 * {@code deploy/image/build-offline.sh} builds it twice with Jib ({@code jib:buildTar}, the release configuration of
 * pom.xml's {@code image} profile) on a local base image tarball. This test opens the OCI tarball, checks its config
 * (numeric non-root user, exec-form entrypoint with the mode as argument, OCI labels, the fast-jar in its own
 * layers), that the root filesystem has no shell, that two builds give the same digest, and then runs the image's
 * entrypoint inside its extracted root filesystem as the image's user ({@code deploy/image/run-rootfs.sh}: namespaces
 * and a chroot, as a runtime would) in each mode. Needs root (as the tests and CI run). Run by failsafe in
 * {@code verify}, after the jar is built.
 */
class ImageIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Path OUT = Path.of("target/image-it").toAbsolutePath();
    static final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    static String firstDigest;
    static String secondDigest;
    static JsonNode manifest;
    static JsonNode config;
    static Path layout;
    static Path rootfs;
    static final List<Process> started = new ArrayList<>();

    @BeforeAll
    static void build() throws Exception {
        assertThat(Path.of("target/quarkus-app/quarkus-run.jar")).as("the packaged application").exists();
        assertThat(run("id", "-u").trim()).as("ImageIT runs the image as its user via unshare/chroot: needs root")
                .isEqualTo("0");
        String log = run("deploy/image/build-offline.sh", OUT.toString(), "first", "second");
        System.out.print(log); // what each step took
        assertThat(log).contains(OUT.resolve("first.tar").toString(), OUT.resolve("second.tar").toString());
        firstDigest = Files.readString(OUT.resolve("first.digest")).trim();
        secondDigest = Files.readString(OUT.resolve("second.digest")).trim();

        layout = OUT.resolve("first-layout");
        rootfs = OUT.resolve("first-rootfs");
        run("rm", "-rf", layout.toString(), rootfs.toString());
        Files.createDirectories(layout);
        Files.createDirectories(rootfs);
        run("tar", "-xf", OUT.resolve("first.tar").toString(), "-C", layout.toString());
        JsonNode index = JSON.readTree(layout.resolve("index.json").toFile());
        assertThat(index.path("manifests")).hasSize(1);
        String manifestDigest = index.path("manifests").path(0).path("digest").asText();
        assertThat(manifestDigest).as("index.json names the digest Jib reported").isEqualTo(firstDigest);
        assertThat("sha256:" + sha256(blob(manifestDigest))).as("the manifest blob has its digest")
                .isEqualTo(manifestDigest);
        manifest = JSON.readTree(blob(manifestDigest).toFile());
        config = JSON.readTree(blob(manifest.path("config").path("digest").asText()).toFile());
        // The root filesystem, layer by layer in order, as a runtime unpacks it (numeric owners kept).
        for (JsonNode layer : manifest.path("layers")) {
            run("tar", "--warning=no-unknown-keyword", "--numeric-owner", "-xzf",
                    blob(layer.path("digest").asText()).toString(), "-C", rootfs.toString());
        }
    }

    @AfterAll
    static void stop() throws Exception {
        for (Process p : started) {
            kill(p);
        }
    }

    @Test
    void twoBuildsOfTheSameInputsGiveTheSameDigest() {
        assertThat(firstDigest).startsWith("sha256:").hasSize(71);
        assertThat(secondDigest).isEqualTo(firstDigest);
        assertThat(config.path("created").asText()).isEqualTo("1970-01-01T00:00:00Z");
    }

    @Test
    void configHasANumericNonRootUserAndExecFormEntrypointWithTheModeAsArgument() {
        JsonNode c = config.path("config");
        String user = c.path("User").asText();
        assertThat(user).as("numeric uid:gid").matches("\\d+:\\d+");
        assertThat(Long.parseLong(user.split(":")[0])).as("non-root uid").isPositive();
        assertThat(Long.parseLong(user.split(":")[1])).as("non-root gid").isPositive();
        // Exec form: the JVM itself, by absolute path; no shell wraps it.
        assertThat(strings(c.path("Entrypoint"))).containsExactly("/usr/bin/java", "-jar", "/app/quarkus-run.jar");
        assertThat(strings(c.path("Cmd"))).as("default command: standalone on the embedded sample")
                .containsExactly("standalone");
        assertThat(c.path("WorkingDir").asText()).isEqualTo("/tmp");
        assertThat(c.path("ExposedPorts").has("4000/tcp")).isTrue();
        assertThat(c.path("ExposedPorts").has("9000/tcp")).isTrue();
    }

    @Test
    void configCarriesTheOciLabels() throws IOException {
        JsonNode labels = config.path("config").path("Labels");
        assertThat(labels.path("org.opencontainers.image.source").asText())
                .isEqualTo("https://github.com/tollgate-dev/tollgate");
        assertThat(labels.path("org.opencontainers.image.version").asText()).isEqualTo(projectVersion());
        assertThat(labels.path("org.opencontainers.image.title").asText()).isEqualTo("Tollgate");
        assertThat(labels.path("org.opencontainers.image.licenses").asText()).isNotBlank();
        assertThat(labels.path("org.opencontainers.image.revision").asText()).isNotBlank();
    }

    @Test
    void theFastJarIsInItsOwnLayersInAFixedOrder() {
        List<String> comments = new ArrayList<>();
        config.path("history").forEach(h -> comments.add(h.path("comment").asText("")));
        assertThat(comments).containsSubsequence("quarkus boot libraries", "quarkus libraries", "quarkus runner",
                "application");
        assertThat(manifest.path("layers")).hasSize(config.path("rootfs").path("diff_ids").size());
        assertThat(rootfs.resolve("app/quarkus-run.jar")).isRegularFile();
        assertThat(rootfs.resolve("app/lib/boot")).isDirectory();
        assertThat(rootfs.resolve("app/lib/main")).isDirectory();
        assertThat(rootfs.resolve("app/quarkus/quarkus-application.dat")).isRegularFile();
        // Jib's own classpath layout is filtered out: the image runs only the fast-jar.
        assertThat(rootfs.resolve("app/libs")).doesNotExist();
        assertThat(rootfs.resolve("app/classes")).doesNotExist();
    }

    @Test
    void theRootFilesystemHasNoShell() throws IOException {
        List<String> shells;
        try (Stream<Path> files = Files.walk(rootfs)) {
            shells = files.filter(p -> List.of("sh", "bash", "dash", "ash", "busybox", "zsh")
                    .contains(p.getFileName().toString())).map(p -> rootfs.relativize(p).toString()).toList();
        }
        assertThat(shells).as("shells in the image").isEmpty();
        assertThat(rootfs.resolve("bin/sh")).doesNotExist();
        assertThat(rootfs.resolve("usr/bin/java")).exists();
        String uid = config.path("config").path("User").asText().split(":")[0];
        assertThat(Files.readString(rootfs.resolve("etc/passwd"))).contains(":" + uid + ":");
    }

    @Test
    void everyModeStartsFromTheImagesEntrypointAsTheImagesUser() throws Exception {
        int saPort = freePort();
        int gwPort = freePort();
        long t0 = System.nanoTime();
        Container standalone = start("standalone", saPort, Map.of());
        Container gateway = start("gateway", gwPort, Map.of());
        // No API server here: a refused connection instead of a DNS lookup of kubernetes.default.svc.
        Container operator = start("operator", freePort(), Map.of(
                "QUARKUS_KUBERNETES_CLIENT_API_SERVER_URL", "https://127.0.0.1:1",
                "QUARKUS_KUBERNETES_CLIENT_REQUEST_RETRY_BACKOFF_LIMIT", "0"));

        // standalone: serves the embedded sample and is ready.
        await(standalone, () -> status("http://127.0.0.1:" + saPort + "/health/readiness") == 200,
                "standalone ready on GET /health/readiness");
        assertThat(standalone.log()).contains("Serving config", "from the embedded sample");
        assertThat(uidOf(standalone)).as("standalone runs as the image's user").isEqualTo(imageUid());

        // gateway: up and alive, waiting for the files the operator mounts (none here).
        await(gateway, () -> status("http://127.0.0.1:" + gwPort + "/health/liveness") == 200,
                "gateway alive on GET /health/liveness");
        await(gateway, () -> gateway.log().contains("/etc/tollgate/config/config.json"),
                "gateway mode looks for its mounted config");
        assertThat(uidOf(gateway)).as("gateway runs as the image's user").isEqualTo(imageUid());

        System.out.printf("standalone ready, gateway alive after %d ms%n", (System.nanoTime() - t0) / 1_000_000);

        // operator: registers its five controllers and starts them (then fails to reach the absent API server).
        await(operator, () -> operator.log().contains("Starting the Tollgate operator (6 controllers)")
                || !operator.process().isAlive(), "operator mode starts its controllers");
        assertThat(operator.log()).contains("Starting the Tollgate operator (6 controllers)",
                "Registered reconciler: 'gatewaydeployment'");
    }

    record Container(String mode, Process process, Path logFile) {
        String log() {
            try {
                return Files.readString(logFile);
            } catch (IOException e) {
                return "";
            }
        }
    }

    /** The image's entrypoint and the mode, with the image's Env (plus the ports), inside its root filesystem. */
    static Container start(String mode, int port, Map<String, String> env) throws IOException {
        JsonNode c = config.path("config");
        List<String> command = new ArrayList<>(List.of(Path.of("deploy/image/run-rootfs.sh").toAbsolutePath()
                .toString(), rootfs.toString(), c.path("WorkingDir").asText("/"), c.path("User").asText()));
        command.addAll(strings(c.path("Entrypoint")));
        command.add(mode);
        Path logFile = OUT.resolve(mode + ".log");
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(logFile.toFile());
        Map<String, String> environment = new LinkedHashMap<>();
        for (String kv : strings(c.path("Env"))) {
            environment.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
        }
        environment.put("QUARKUS_HTTP_PORT", Integer.toString(port));
        environment.put("QUARKUS_MANAGEMENT_PORT", Integer.toString(freePort()));
        environment.putAll(env);
        pb.environment().clear();
        pb.environment().putAll(environment);
        Process p = pb.start();
        started.add(p);
        return new Container(mode, p, logFile);
    }

    static void await(Container c, BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(c.process().isAlive()).as("%s: %s process alive; log:%n%s", what, c.mode(), c.log()).isTrue();
            assertThat(System.nanoTime()).as("%s within 90 s; log:%n%s", what, c.log()).isLessThan(deadline);
            Thread.sleep(200);
        }
    }

    /** The real uid of the JVM the container runs (the innermost descendant named java). */
    static String uidOf(Container c) throws IOException {
        ProcessHandle java = c.process().descendants()
                .filter(h -> h.info().command().map(cmd -> cmd.endsWith("/java")).orElse(false))
                .reduce((a, b) -> b).orElseThrow(() -> new AssertionError("no java process under " + c.mode()));
        String status = Files.readString(Path.of("/proc", Long.toString(java.pid()), "status"));
        return status.lines().filter(l -> l.startsWith("Uid:")).findFirst().orElseThrow().split("\\s+")[1];
    }

    static String imageUid() {
        return config.path("config").path("User").asText().split(":")[0];
    }

    static void kill(Process p) throws InterruptedException {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        p.waitFor(20, TimeUnit.SECONDS);
    }

    static int status(String url) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    static Path blob(String digest) {
        return layout.resolve("blobs/sha256").resolve(digest.substring("sha256:".length()));
    }

    static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    static String projectVersion() throws IOException {
        try (Stream<Path> jars = Files.list(Path.of("target/quarkus-app/app"))) {
            String jar = jars.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("tollgate-"))
                    .findFirst().orElseThrow();
            return jar.substring("tollgate-".length(), jar.length() - ".jar".length());
        }
    }

    static String sha256(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Runs a command from the repository root; returns its output; fails the test on a non-zero exit. */
    static String run(String... command) throws IOException, InterruptedException {
        Path log = Files.createTempFile("image-it", ".log");
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home")); // jlink for the local base image
        Process p = pb.start();
        boolean done = p.waitFor(10, TimeUnit.MINUTES);
        String out = Files.readString(log);
        Files.deleteIfExists(log);
        assertThat(done).as("%s finished within 10 minutes: %s", String.join(" ", command), out).isTrue();
        assertThat(p.exitValue()).as("%s exit code; output:%n%s", String.join(" ", command), out).isZero();
        return out;
    }
}
