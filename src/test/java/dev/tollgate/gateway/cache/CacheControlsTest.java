package dev.tollgate.gateway.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.tollgate.gateway.GatewayException;
import dev.tollgate.gateway.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The request's cache controls: the {@code Cache-Control} header (RFC 9111 request directives no-cache, no-store,
 * max-age) and LiteLLM's {@code cache} field (https://docs.litellm.ai/docs/proxy/caching_controls: ttl and s-maxage in
 * seconds, no-cache and no-store booleans, namespace a string).
 */
class CacheControlsTest {

    private static CacheControls field(String json) {
        return CacheControls.of(null, Json.parse(json));
    }

    private static GatewayException refused(String header, String json) {
        return catchThrowableOfType(() -> CacheControls.of(header, json == null ? null : Json.parse(json)),
                GatewayException.class);
    }

    @Test
    void nothingAskedIsNone() {
        assertThat(CacheControls.of(null, null)).isSameAs(CacheControls.NONE);
        assertThat(CacheControls.of("", null)).isSameAs(CacheControls.NONE);
        assertThat(CacheControls.of("public, must-revalidate", null)).isSameAs(CacheControls.NONE);
        assertThat(CacheControls.of(null, Json.parse("null"))).isSameAs(CacheControls.NONE);
        assertThat(field("{}")).isSameAs(CacheControls.NONE);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "no-cache|true|false|",
            "No-Cache|true|false|",
            "  no-store  |false|true|",
            "no-cache, no-store|true|true|",
            "max-age=60|false|false|60000",
            "MAX-AGE = 60|false|false|60000",
            "max-age=\"30\", private|false|false|30000",
            "max-age=60, max-age=10|false|false|10000",
            "max-age=abc, no-store|false|true|",
            "max-age=-5|false|false|",
            "max-age=0|true|false|0",
            "max-stale=10, only-if-cached|false|false|",
    })
    void theHeaderDirectives(String header, boolean noCache, boolean noStore, Long maxAge) {
        CacheControls c = CacheControls.of(header, null);
        assertThat(c.noCache()).isEqualTo(noCache);
        assertThat(c.noStore()).isEqualTo(noStore);
        assertThat(c.maxAgeMillis()).isEqualTo(maxAge);
        assertThat(c.ttlMillis()).isNull();
        assertThat(c.namespace()).isNull();
    }

    @Test
    void aHugeMaxAgeDoesNotOverflow() {
        assertThat(CacheControls.of("max-age=99999999999999999999999", null).maxAgeMillis())
                .isEqualTo(2_147_483_648L * 1000);
    }

    @Test
    void theLiteLlmField() {
        assertThat(field("{\"no-cache\": true}")).isEqualTo(new CacheControls(true, false, null, null, null));
        assertThat(field("{\"no-store\": true}")).isEqualTo(new CacheControls(false, true, null, null, null));
        assertThat(field("{\"no-cache\": false, \"no-store\": false}")).isSameAs(CacheControls.NONE);
        assertThat(field("{\"ttl\": 300}")).isEqualTo(new CacheControls(false, false, 300_000L, null, null));
        assertThat(field("{\"ttl\": 300.0}").ttlMillis()).isEqualTo(300_000L);
        assertThat(field("{\"ttl\": 0}")).isEqualTo(new CacheControls(false, true, 0L, null, null));
        assertThat(field("{\"s-maxage\": 60}")).isEqualTo(new CacheControls(false, false, null, 60_000L, null));
        assertThat(field("{\"namespace\": \"team-a/run:7\"}"))
                .isEqualTo(new CacheControls(false, false, null, null, "team-a/run:7"));
        assertThat(field("{\"use-cache\": false}")).isEqualTo(new CacheControls(true, true, null, null, null));
        assertThat(field("{\"use-cache\": true}")).isSameAs(CacheControls.NONE);
        assertThat(field("{\"ttl\": null, \"namespace\": null}")).isSameAs(CacheControls.NONE);
    }

    @Test
    void headerAndFieldCombine() {
        CacheControls c = CacheControls.of("no-cache, max-age=120", Json.parse("{\"no-store\": true, \"s-maxage\": 30, "
                + "\"ttl\": 10, \"namespace\": \"exp\"}"));
        assertThat(c).isEqualTo(new CacheControls(true, true, 10_000L, 30_000L, "exp"));
        assertThat(CacheControls.of("max-age=20", Json.parse("{\"s-maxage\": 30}")).maxAgeMillis()).isEqualTo(20_000L);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "true|'cache' must be an object",
            "\"no-cache\"|'cache' must be an object",
            "[1]|'cache' must be an object",
            "{\"ttl\": -1}|'cache.ttl' must be a whole number of seconds",
            "{\"ttl\": 1.5}|'cache.ttl' must be a whole number of seconds",
            "{\"ttl\": \"300\"}|'cache.ttl' must be a whole number of seconds (0 or more), not a string",
            "{\"s-maxage\": -3}|'cache.s-maxage' must be a whole number",
            "{\"no-cache\": \"yes\"}|'cache.no-cache' must be true or false, not a string",
            "{\"no-store\": 1}|'cache.no-store' must be true or false, not a number",
            "{\"ttl\": 10, \"nocache\": true}|'cache' has an unknown member 'nocache'",
            "{\"namespace\": 7}|'cache.namespace' must be a string, not a number",
            "{\"namespace\": \"\"}|'cache.namespace' must have 1 to 64 characters",
            "{\"namespace\": \"a b\"}|'cache.namespace' may use only letters, digits and - _ . : / (found ' ')",
            "{\"namespace\": \"tenant\\u0000x\"}|(found U+0000)",
    })
    void aMalformedFieldIsA400NamingCache(String json, String message) {
        GatewayException e = refused(null, json);
        assertThat(e).as(json).isNotNull();
        assertThat(e.error().httpStatus()).isEqualTo(400);
        assertThat(e.error().param()).isEqualTo("cache");
        assertThat(e.error().message()).contains(message);
    }

    @Test
    void aTooLongNamespaceIsRefused() {
        String ok = "n".repeat(64);
        assertThat(field("{\"namespace\": \"" + ok + "\"}").namespace()).isEqualTo(ok);
        assertThat(refused(null, "{\"namespace\": \"" + ok + "n\"}").error().message()).contains("not 65");
    }

    @Test
    void whatTheLookupAndTheStoreUse() {
        assertThat(CacheControls.NONE.ttlMillis(3_600_000)).isEqualTo(3_600_000);
        assertThat(CacheControls.NONE.maxAge()).isEqualTo(-1);
        assertThat(field("{\"ttl\": 60}").ttlMillis(3_600_000)).isEqualTo(60_000);
        assertThat(field("{\"ttl\": 7200}").ttlMillis(3_600_000)).isEqualTo(3_600_000); // never longer
        assertThat(field("{\"no-store\": true, \"ttl\": 60}").ttlMillis(3_600_000)).isZero();
        assertThat(field("{\"s-maxage\": 5}").maxAge()).isEqualTo(5_000);
    }

    @Test
    void theHeaderAloneNeverRefuses() {
        assertThat(refused("max-age=, =, ,,no-cache=\"x\"", null)).isNull();
        assertThat(CacheControls.of("max-age=, =, ,,no-cache=\"x\"", null).noCache()).isTrue();
    }
}
