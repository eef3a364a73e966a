package dev.tollgate.gateway.provider.replicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.gateway.provider.UpstreamException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** The SSRF guard: Replicate's own hosts over https, or the apiBase's origin; nothing else. */
class ReplicateHostsTest {
    static final String API = "https://api.replicate.com/v1";

    @ParameterizedTest
    @ValueSource(strings = {
            "https://api.replicate.com/v1/predictions/abc",
            "https://API.Replicate.com/v1/predictions/abc",
            "https://api.replicate.com./v1/predictions/abc",
            "https://api.replicate.com:443/v1/predictions/abc/cancel",
            "https://streaming.api.replicate.com/v1/predictions/abc",
            "https://stream.replicate.com/v1/streams/abc",
            "https://stream-b.svc.rno2.c.replicate.net/v1/streams/abc",
            "https://replicate.delivery/pbxt/abc/out-0.png",
            "https://pbxt.replicate.delivery/abc/out-0.png",
    })
    void replicatesOwnHostsAreFollowed(String url) {
        ReplicateHosts.Target t = ReplicateHosts.check(url, API, "m", "urls.get");
        assertThat(t.ssl()).isTrue();
        assertThat(t.port()).isEqualTo(443);
        assertThat(t.host()).doesNotEndWith(".");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "http://api.replicate.com/v1/predictions/abc",            // plain http
            "https://api.replicate.com:8443/v1/predictions/abc",      // another port
            "https://replicate.com.evil.io/v1/predictions/abc",       // suffix trick
            "https://evilreplicate.com/x",                            // no dot before the domain
            "https://api.replicate.com.evil.io./x",
            "https://replicate.delivery.evil.io/x.png",
            "https://api.replicate.com@evil.io/x",                    // userinfo
            "https://user:pw@api.replicate.com/x",                    // userinfo on the right host
            "https://evil.io\\@api.replicate.com/x",                  // backslash
            "https://evil.io#@api.replicate.com/x",
            "https://169.254.169.254/latest/meta-data/",               // metadata endpoint
            "https://10.0.0.1/v1/predictions/abc",
            "https://[::1]/v1/predictions/abc",
            "https://0x7f000001/x",
            "https://kubernetes.default.svc/api",
            "file:///etc/passwd",
            "gopher://api.replicate.com/x",
            "//api.replicate.com/x",
            "/v1/predictions/abc",
            "",
            "not a url",
    })
    void anythingElseIsRefusedWithA502(String url) {
        assertThatThrownBy(() -> ReplicateHosts.check(url, API, "ns/m", "urls.get"))
                .isInstanceOfSatisfying(UpstreamException.class, e -> {
                    assertThat(e.error().httpStatus()).isEqualTo(502);
                    assertThat(e.error().code()).isEqualTo("upstream_foreign_url");
                    assertThat(e.error().message()).contains("foreign URL").contains("urls.get").contains("ns/m");
                });
    }

    @Test
    void theApiBasesOriginIsFollowedExactly() {
        String base = "http://127.0.0.1:8080/v1";
        assertThat(ReplicateHosts.check("http://127.0.0.1:8080/v1/predictions/a", base, "m", "urls.get").url())
                .isEqualTo("http://127.0.0.1:8080/v1/predictions/a");
        assertThatThrownBy(() -> ReplicateHosts.check("http://127.0.0.1:8081/v1/predictions/a", base, "m", "urls.get"))
                .isInstanceOf(UpstreamException.class);
        assertThatThrownBy(() -> ReplicateHosts.check("https://127.0.0.1:8080/v1/predictions/a", base, "m", "urls.get"))
                .isInstanceOf(UpstreamException.class);
        assertThatThrownBy(() -> ReplicateHosts.check("http://127.0.0.2:8080/x", base, "m", "urls.get"))
                .isInstanceOf(UpstreamException.class);
        // a mirror on its own host name
        String mirror = "https://replicate-mirror.internal.example/v1";
        assertThat(ReplicateHosts.check("https://replicate-mirror.internal.example/v1/predictions/a?x=1", mirror, "m",
                "urls.get").pathAndQuery()).isEqualTo("/v1/predictions/a?x=1");
        assertThatThrownBy(() -> ReplicateHosts.check("https://replicate-mirror.internal.example.evil.io/v1", mirror,
                "m", "urls.get")).isInstanceOf(UpstreamException.class);
    }

    @Test
    void theRequestIsBuiltFromTheCheckedParts() {
        ReplicateHosts.Target t = ReplicateHosts.check("https://api.replicate.com/v1/predictions/a%2Fb?x=%20y", API, "m",
                "urls.get");
        assertThat(t.host()).isEqualTo("api.replicate.com");
        assertThat(t.pathAndQuery()).isEqualTo("/v1/predictions/a%2Fb?x=%20y");
        assertThat(t.options(io.vertx.core.http.HttpMethod.GET).getHost()).isEqualTo("api.replicate.com");
        assertThat(t.options(io.vertx.core.http.HttpMethod.GET).isSsl()).isTrue();
    }
}
